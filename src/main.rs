//! The `spark-sql-kernel` command: parses arguments, sets up logging, runs, prints errors.
//! Must not: hold logic of the kernel: it wires the library together.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use spark_sql_kernel::config::{self, Settings};
use spark_sql_kernel::kernel::Kernel;
use spark_sql_kernel::kernelspec;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "spark-sql-kernel",
    version,
    about = "Spark SQL (KBase): a Jupyter kernel for Spark SQL on Spark Connect"
)]
struct Cli {
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Run the kernel (what kernel.json starts).
    Run {
        /// The connection file written by the Jupyter client.
        #[arg(long, short = 'f')]
        connection_file: PathBuf,
    },
    /// Install the kernelspec.
    Install {
        #[command(flatten)]
        location: LocationArgs,
        /// Kernelspec name (the directory).
        #[arg(long, default_value = kernelspec::KERNEL_NAME)]
        name: String,
        /// Name shown in the launcher.
        #[arg(long, default_value = kernelspec::DISPLAY_NAME)]
        display_name: String,
        /// KEY=VALUE for kernel.json's env (repeatable), e.g. --env KBASE_AUTH_URL=https://ci.kbase.us/services/auth/
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
        /// Start the binary from PREFIX/bin, found from the kernelspec's directory (what the
        /// wheel ships; scripts/wheel writes it) instead of this program's path.
        #[arg(long)]
        wheel: bool,
    },
    /// Remove the kernelspec.
    Uninstall {
        #[command(flatten)]
        location: LocationArgs,
        #[arg(long, default_value = kernelspec::KERNEL_NAME)]
        name: String,
    },
    /// Check the settings, the KBase token and Spark Connect (runs SELECT 1); exit 0 when all is well.
    Check,
    /// Print the journal's record of a receipt (q-…) as JSON; exit 1 when it has none.
    Receipt {
        /// The receipt id shown under a result, e.g. q-7f3a9c2e41d0.
        id: String,
        /// The journal to read (default: SPARK_SQL_KERNEL_JOURNAL, else
        /// ~/.local/share/spark-sql-kernel/journal.sqlite).
        #[arg(long)]
        journal: Option<PathBuf>,
    },
}

#[derive(Args)]
#[group(multiple = false)]
struct LocationArgs {
    /// Install for the current user (the default).
    #[arg(long)]
    user: bool,
    /// Install into the active Python environment's prefix (JupyterHub images).
    #[arg(long)]
    sys_prefix: bool,
    /// Install into PREFIX/share/jupyter/kernels.
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<PathBuf>,
}

impl LocationArgs {
    fn location(&self) -> kernelspec::Location {
        match (&self.prefix, self.sys_prefix) {
            (Some(prefix), _) => kernelspec::Location::Prefix(prefix.clone()),
            (None, true) => kernelspec::Location::SysPrefix,
            (None, false) => kernelspec::Location::User,
        }
    }
}

/// An `--env` argument that is not `KEY=VALUE`.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not KEY=VALUE")]
struct NotKeyValue(String);

fn parse_env(raw: &str) -> Result<(String, String), NotKeyValue> {
    match raw.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(NotKeyValue(raw.to_owned())),
    }
}

fn main() -> std::process::ExitCode {
    spark_sql_kernel::memory::one_arena();
    let cli = Cli::parse();
    let settings = Settings::from_env();
    init_logging(settings.log());
    match run(cli.command, settings) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("spark-sql-kernel: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (jupyter_server shows them in its own log, nbconvert on its stderr):
/// `warn` unless `SPARK_SQL_KERNEL_LOG` says otherwise, coloured only on a terminal.
fn init_logging(level: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(config::DEFAULT_LOG));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// The stack of the kernel's threads (RUST_MIN_STACK in .cargo/config.toml gives tests the same).
const KERNEL_STACK: usize = 8 * 1024 * 1024;

fn run(command: Action, settings: Settings) -> anyhow::Result<std::process::ExitCode> {
    match command {
        Action::Run { connection_file } => {
            let info = jupyter_kernel::read_connection_file(&connection_file)?;
            // 8 MiB stacks, as the main thread has: a cell's future nests the session's, the
            // client's and the connection's (deep in a debug build); tests run with the same.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(KERNEL_STACK)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let served = runtime.block_on(serve(info, settings));
            // A read stuck in the kernel's file system (a hung token file) must not hold the
            // exit: blocking threads get a moment, then the process ends anyway.
            runtime.shutdown_timeout(std::time::Duration::from_millis(500));
            served?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Action::Install {
            location,
            name,
            display_name,
            env,
            wheel,
        } => {
            let program = if wheel {
                kernelspec::WHEEL_PROGRAM.to_owned()
            } else {
                std::env::current_exe()
                    .and_then(|p| p.canonicalize())
                    .context("cannot find this program's own path")?
                    .display()
                    .to_string()
            };
            let spec = kernelspec::KernelSpec {
                name,
                display_name,
                program,
                env,
            };
            let dir = kernelspec::install(&spec, &location.location(), settings.install())?;
            println!("Installed kernelspec {} in {}", spec.name, dir.display());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Action::Uninstall { location, name } => {
            let dir = kernelspec::uninstall(&name, &location.location(), settings.install())?;
            println!("Removed {}", dir.display());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Action::Receipt { id, journal } => receipt(&id, journal, &settings),
        Action::Check => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let check = runtime.block_on(async { Kernel::new(&settings).check().await });
            println!("spark-sql-kernel {}", spark_sql_kernel::kernel::VERSION);
            let width = check.rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
            for row in &check.rows {
                println!("{:width$}  {}", row.key, row.value);
            }
            let ok = check.ok;
            println!("{}", if ok { "OK" } else { "NOT OK: see above" });
            Ok(if ok {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            })
        }
    }
}

/// `spark-sql-kernel receipt ID`: the record as JSON on stdout.
fn receipt(
    id: &str,
    journal: Option<PathBuf>,
    settings: &Settings,
) -> anyhow::Result<std::process::ExitCode> {
    use spark_sql_kernel::journal::{is_receipt, Reader};
    let path = match (journal, settings.journal()) {
        (Some(path), _) => path,
        (None, config::JournalAt::File(path)) => path.clone(),
        (None, config::JournalAt::Off) => {
            anyhow::bail!("the journal is off (SPARK_SQL_KERNEL_JOURNAL); name one with --journal")
        }
    };
    if !is_receipt(id) {
        anyhow::bail!("{id:?} is not a receipt id (q- and 12 hex digits, as shown under a result)");
    }
    if !path.exists() {
        anyhow::bail!("there is no journal at {}", path.display());
    }
    let Some(record) = Reader::at(path.clone()).find(id)? else {
        eprintln!("spark-sql-kernel: no receipt {id} in {}", path.display());
        return Ok(std::process::ExitCode::FAILURE);
    };
    println!("{}", serde_json::to_string_pretty(&record)?);
    Ok(std::process::ExitCode::SUCCESS)
}

async fn serve(info: jupyter_kernel::ConnectionInfo, settings: Settings) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    let (interrupt_tx, interrupt_rx) = tokio::sync::mpsc::unbounded_channel();
    // SIGINT interrupts the running cell instead of killing the kernel; SIGTERM stops it cleanly.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut sigint = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
        let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = sigint.recv() => { let _ = interrupt_tx.send(()); }
                    _ = sigterm.recv() => { stop.cancel(); break; }
                }
            }
        });
    }
    // The kernel stops with the process that started it (jupyter_server, nbconvert).
    tokio::spawn(jupyter_kernel::watch_parent(
        settings.parent_pid(),
        stop.clone(),
    ));
    let kernel = Kernel::new(&settings).with_activity_log(&settings);
    let exit = jupyter_kernel::serve(
        &info,
        kernel,
        stop,
        Some(interrupt_rx),
        settings.max_frame(),
    )
    .await?;
    tracing::info!("kernel stopped: {exit:?}");
    Ok(())
}
