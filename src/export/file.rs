//! The file an export writes: a temporary file beside the target, renamed onto it at the end
//! (a failed or interrupted export leaves no file, and never half of one), and a count of the
//! bytes written so far.
//! Must not: encode (`encode` does).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::ExportError;

/// A writer that counts what goes through it.
pub struct Counted {
    inner: BufWriter<File>,
    bytes: Arc<AtomicU64>,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Counted {
    /// Flushes and syncs the file to disk.
    pub fn close(mut self) -> std::io::Result<()> {
        self.inner.flush()?;
        self.inner.get_ref().sync_all()
    }
}

/// The temporary file of an export; removed unless [`Partial::commit`] renamed it.
pub struct Partial {
    temp: PathBuf,
    target: PathBuf,
    bytes: Arc<AtomicU64>,
    committed: bool,
}

impl Partial {
    /// Creates the temporary file beside `target` and a counting writer for it.
    pub fn create(target: &Path) -> Result<(Partial, Counted), ExportError> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(ExportError::NoDirectory {
                target: target.to_owned(),
                dir,
            });
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| ExportError::NoFileName {
                target: target.to_owned(),
            })?;
        let temp = dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
        let file = File::create(&temp).map_err(|source| ExportError::Io {
            target: target.to_owned(),
            source,
        })?;
        let bytes = Arc::new(AtomicU64::new(0));
        let writer = Counted {
            inner: BufWriter::with_capacity(1 << 20, file),
            bytes: Arc::clone(&bytes),
        };
        let partial = Partial {
            temp,
            target: target.to_owned(),
            bytes,
            committed: false,
        };
        Ok((partial, writer))
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the finished temporary file onto the target (replacing an older one).
    pub fn commit(&mut self) -> Result<(), ExportError> {
        std::fs::rename(&self.temp, &self.target).map_err(|source| ExportError::Io {
            target: self.target.clone(),
            source,
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_committed_export_leaves_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let (partial, mut writer) = Partial::create(&target).unwrap();
        writer.write_all(b"a,b\n").unwrap();
        writer.close().unwrap();
        assert_eq!(partial.bytes(), 4);
        drop(partial);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing left"
        );

        std::fs::write(&target, "old").unwrap();
        let (mut partial, mut writer) = Partial::create(&target).unwrap();
        writer.write_all(b"new").unwrap();
        writer.close().unwrap();
        partial.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_directory_is_named() {
        let e = Partial::create(Path::new("/nonexistent-dir/x.csv"))
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "cannot export to /nonexistent-dir/x.csv: the directory /nonexistent-dir does not exist"
        );
    }
}
