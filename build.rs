//! Generates the Spark Connect client from `proto/spark/connect/*.proto` with the pure-Rust
//! `protox` compiler: a fresh machine builds with cargo alone, no system `protoc`. With the
//! feature `labextension` (which the wheel's builds turn on), also builds the explorer's
//! JupyterLab extension from `labextension/` with npm into `kernelspec/data/share/jupyter/
//! labextensions/`, where the wheel takes it from (node and npm are then needed).

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("CARGO_FEATURE_LABEXTENSION").is_some() {
        labextension(Path::new("labextension"))?;
    }
    Ok(())
}

/// Builds the JupyterLab extension unless its build is newer than its sources.
fn labextension(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let sources = [
        "src",
        "style",
        "package.json",
        "package-lock.json",
        "tsconfig.json",
    ];
    for source in sources {
        println!("cargo:rerun-if-changed={}", dir.join(source).display());
    }
    let built = Path::new(
        "kernelspec/data/share/jupyter/labextensions/spark-sql-kbase-explorer/package.json",
    );
    let newest = sources.iter().map(|s| newest(&dir.join(s))).max().flatten();
    let built_at = std::fs::metadata(built).and_then(|m| m.modified()).ok();
    if let (Some(built_at), Some(newest)) = (built_at, newest) {
        if built_at > newest {
            return Ok(());
        }
    }
    if !dir.join("node_modules/.bin/build-labextension").exists() {
        npm(dir, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    npm(dir, &["run", "build"])
}

fn npm(dir: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| {
            format!(
                "npm {} (node and npm build the JupyterLab extension): {e}",
                args.join(" ")
            )
        })?;
    if !status.success() {
        return Err(format!(
            "npm {} failed in {}: {status}",
            args.join(" "),
            dir.display()
        )
        .into());
    }
    Ok(())
}

/// When the newest file under `path` changed.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|entry| newest(&entry.ok()?.path()))
        .max()
}
