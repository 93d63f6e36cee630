//! Installing and removing the kernelspec: `kernel.json` plus the logos, embedded in the binary
//! so that one file is all an image needs. The wheel's kernelspec is the same, kept in the tree
//! (`kernelspec/data/share/jupyter/kernels/spark-sql-kbase`, maturin's data directory) so that
//! any standard build of the wheel ships it; a test keeps its `kernel.json` equal to `install
//! --wheel`'s.
//! Must not: start the kernel or read settings beyond install paths.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::config::InstallPaths;

/// The kernelspec directory name (lower case, as Jupyter requires).
pub const KERNEL_NAME: &str = "spark-sql-kbase";
/// What the launcher shows.
pub const DISPLAY_NAME: &str = "Spark SQL (KBase)";
/// The binary as a wheel installs it, found from the kernelspec's own directory
/// (`PREFIX/share/jupyter/kernels/NAME` → `PREFIX/bin`): jupyter_client expands `{resource_dir}`,
/// so the kernel starts without the environment's `bin` on the PATH.
pub const WHEEL_PROGRAM: &str = "{resource_dir}/../../../../bin/spark-sql-kernel";

/// A file of the kernelspec the wheel ships (`kernelspec/data/…`, maturin's data directory):
/// the one copy of the logos, embedded here too.
macro_rules! wheel_file {
    ($kind:ident, $file:literal) => {
        $kind!(concat!(
            "../kernelspec/data/share/jupyter/kernels/spark-sql-kbase/",
            $file
        ))
    };
}

const LOGOS: [(&str, &[u8]); 3] = [
    (
        "logo-32x32.png",
        wheel_file!(include_bytes, "logo-32x32.png"),
    ),
    (
        "logo-64x64.png",
        wheel_file!(include_bytes, "logo-64x64.png"),
    ),
    ("logo-svg.svg", wheel_file!(include_bytes, "logo-svg.svg")),
];

/// Where a kernelspec goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter` (the default).
    User,
    /// The prefix of the active Python environment (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, or the
    /// `sys.prefix` of `python3` on the PATH): what JupyterHub images bake in.
    SysPrefix,
    Prefix(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum KernelspecError {
    #[error("kernel name {0:?} is not valid: use lower-case letters, digits, '-', '_' and '.'")]
    Name(String),
    #[error("cannot find the Jupyter data directory: {0}")]
    NoDataDir(String),
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("no kernelspec named {name:?} in {dir}")]
    NotInstalled { name: String, dir: PathBuf },
}

/// What `install` writes.
#[derive(Debug, Clone)]
pub struct KernelSpec {
    pub name: String,
    pub display_name: String,
    /// The binary `kernel.json` starts: a path, or [`WHEEL_PROGRAM`].
    pub program: String,
    pub env: Vec<(String, String)>,
}

impl KernelSpec {
    pub fn kernel_json(&self) -> Value {
        let env: Map<String, Value> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "argv": [
                self.program,
                "run",
                "--connection-file",
                "{connection_file}",
            ],
            "display_name": self.display_name,
            "language": "sql",
            "interrupt_mode": "message",
            "env": env,
            "metadata": { "debugger": false },
        })
    }
}

/// The `share/jupyter/kernels` directory of a location.
/// The `kernels` directory of `location`; `paths` are Jupyter's and Python's from the settings.
pub fn kernels_dir(location: &Location, paths: &InstallPaths) -> Result<PathBuf, KernelspecError> {
    let data_dir = match location {
        Location::User => user_data_dir(paths)?,
        Location::SysPrefix => sys_prefix(paths)?.join("share").join("jupyter"),
        Location::Prefix(prefix) => prefix.join("share").join("jupyter"),
    };
    Ok(data_dir.join("kernels"))
}

fn user_data_dir(paths: &InstallPaths) -> Result<PathBuf, KernelspecError> {
    if let Some(dir) = paths.jupyter_data_dir() {
        return Ok(dir.clone());
    }
    let home = paths
        .home()
        .ok_or_else(|| KernelspecError::NoDataDir("HOME is not set".into()))?;
    Ok(home.join(".local/share/jupyter"))
}

fn sys_prefix(paths: &InstallPaths) -> Result<PathBuf, KernelspecError> {
    if let Some(dir) = paths.python_prefix() {
        return Ok(dir.clone());
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .map_err(|e| {
            KernelspecError::NoDataDir(format!(
                "--sys-prefix needs VIRTUAL_ENV, CONDA_PREFIX or python3 on the PATH ({e})"
            ))
        })?;
    let prefix = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || prefix.is_empty() {
        return Err(KernelspecError::NoDataDir(
            "python3 did not report sys.prefix".into(),
        ));
    }
    Ok(PathBuf::from(prefix))
}

fn check_name(name: &str) -> Result<(), KernelspecError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(KernelspecError::Name(name.to_owned()))
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> KernelspecError + '_ {
    move |e| KernelspecError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// Writes the kernelspec; returns its directory. Replaces an earlier install of the same name.
pub fn install(
    spec: &KernelSpec,
    location: &Location,
    paths: &InstallPaths,
) -> Result<PathBuf, KernelspecError> {
    check_name(&spec.name)?;
    let dir = kernels_dir(location, paths)?.join(&spec.name);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let json_path = dir.join("kernel.json");
    let text =
        serde_json::to_string_pretty(&spec.kernel_json()).map_err(|e| KernelspecError::Io {
            path: json_path.clone(),
            reason: e.to_string(),
        })?;
    std::fs::write(&json_path, text + "\n").map_err(io_error(&json_path))?;
    for (file, bytes) in LOGOS {
        let path = dir.join(file);
        std::fs::write(&path, bytes).map_err(io_error(&path))?;
    }
    Ok(dir)
}

/// Removes an installed kernelspec; returns the directory it removed.
pub fn uninstall(
    name: &str,
    location: &Location,
    paths: &InstallPaths,
) -> Result<PathBuf, KernelspecError> {
    check_name(name)?;
    let kernels = kernels_dir(location, paths)?;
    let dir = kernels.join(name);
    if !dir.join("kernel.json").is_file() {
        return Err(KernelspecError::NotInstalled {
            name: name.to_owned(),
            dir: kernels,
        });
    }
    std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wheels_kernel_json_is_what_install_wheel_writes() {
        let shipped: Value =
            serde_json::from_str(wheel_file!(include_str, "kernel.json")).unwrap_or_default();
        let spec = KernelSpec {
            name: KERNEL_NAME.to_owned(),
            display_name: DISPLAY_NAME.to_owned(),
            program: WHEEL_PROGRAM.to_owned(),
            env: Vec::new(),
        };
        assert_eq!(shipped, spec.kernel_json());
    }

    fn paths() -> InstallPaths {
        InstallPaths::default()
    }

    #[test]
    fn the_user_location_follows_jupyter_data_dir_then_home() {
        let settings = crate::config::Settings::from_vars(|name| match name {
            "HOME" => Some("/home/alice".into()),
            _ => None,
        });
        let dir = kernels_dir(&Location::User, settings.install()).unwrap();
        assert_eq!(
            dir,
            PathBuf::from("/home/alice/.local/share/jupyter/kernels")
        );
        let settings = crate::config::Settings::from_vars(|name| match name {
            "JUPYTER_DATA_DIR" => Some("/data/jupyter".into()),
            "VIRTUAL_ENV" => Some("/opt/venv".into()),
            _ => None,
        });
        let paths = settings.install();
        assert_eq!(
            kernels_dir(&Location::User, paths).unwrap(),
            PathBuf::from("/data/jupyter/kernels")
        );
        assert_eq!(
            kernels_dir(&Location::SysPrefix, paths).unwrap(),
            PathBuf::from("/opt/venv/share/jupyter/kernels")
        );
    }

    fn spec() -> KernelSpec {
        KernelSpec {
            name: KERNEL_NAME.into(),
            display_name: DISPLAY_NAME.into(),
            program: "/opt/bin/spark-sql-kernel".into(),
            env: vec![(
                "KBASE_AUTH_URL".into(),
                "https://ci.kbase.us/services/auth/".into(),
            )],
        }
    }

    #[test]
    fn kernel_json_starts_the_binary_with_message_interrupts() {
        insta::assert_json_snapshot!(spec().kernel_json());
    }

    #[test]
    fn install_writes_json_and_logos_and_uninstall_removes_them() {
        let prefix = tempfile::tempdir().unwrap();
        let location = Location::Prefix(prefix.path().to_owned());
        let dir = install(&spec(), &location, &paths()).unwrap();
        assert_eq!(
            dir,
            prefix.path().join("share/jupyter/kernels/spark-sql-kbase")
        );
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("kernel.json")).unwrap())
                .unwrap();
        assert_eq!(written, spec().kernel_json());
        for (file, bytes) in LOGOS {
            assert_eq!(std::fs::read(dir.join(file)).unwrap(), bytes);
        }
        assert_eq!(uninstall(KERNEL_NAME, &location, &paths()).unwrap(), dir);
        assert!(!dir.exists(), "{dir:?}");
        assert!(
            matches!(
                uninstall(KERNEL_NAME, &location, &paths()),
                Err(KernelspecError::NotInstalled { .. })
            ),
            "{:?}",
            uninstall(KERNEL_NAME, &location, &paths())
        );
    }

    #[test]
    fn names_must_be_lower_case() {
        let mut bad = spec();
        bad.name = "Spark SQL".into();
        let prefix = tempfile::tempdir().unwrap();
        assert!(
            matches!(
                install(&bad, &Location::Prefix(prefix.path().to_owned()), &paths()),
                Err(KernelspecError::Name(_))
            ),
            "{:?}",
            install(&bad, &Location::Prefix(prefix.path().to_owned()), &paths())
        );
    }
}
