//! The Spark version of the server, as `AnalyzePlan{spark_version}` names it (`4.1.3`,
//! `4.2.0-SNAPSHOT`), and what each 4.x line knows of the protocol that the client uses: the
//! client is compiled from 4.3.0's protos and sends a newer field only to a server that
//! knows it. Pure; owns no words for the user beyond the version's own text.
//! Must not: word anything for users.

use std::fmt;

/// A server's Spark version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// As the server wrote it (a suffix such as `-SNAPSHOT` kept).
    text: String,
}

impl SparkVersion {
    /// Reads `4.1.3`, `4.2.0-SNAPSHOT`, `4.1`; `None` for anything without a major and minor.
    pub fn parse(text: &str) -> Option<SparkVersion> {
        let text = text.trim();
        let core = text.split(['-', '+', ' ']).next().unwrap_or(text);
        let mut parts = core.split('.').map(str::parse::<u32>);
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(SparkVersion {
            major,
            minor,
            patch,
            text: text.to_owned(),
        })
    }

    fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Chunked Arrow batches (`ResultChunkingOptions`, `ArrowBatch.chunk_index`): 4.1+.
    pub fn knows_result_chunking(&self) -> bool {
        self.at_least(4, 1)
    }

    /// SQL scripting (`BEGIN … END`) is on unless the session turns it off: 4.1+.
    pub fn scripts_by_default(&self) -> bool {
        self.at_least(4, 1)
    }
}

impl fmt::Display for SparkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::SparkVersion;

    #[test]
    fn versions_are_read_with_and_without_suffixes() {
        let v = SparkVersion::parse("4.1.3").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (4, 1, 3));
        let v = SparkVersion::parse(" 4.2.0-SNAPSHOT\n").unwrap();
        assert_eq!(
            (v.major, v.minor, v.patch, v.to_string()),
            (4, 2, 0, "4.2.0-SNAPSHOT".into())
        );
        assert_eq!(SparkVersion::parse("4.3").map(|v| v.patch), Some(0));
        assert_eq!(SparkVersion::parse("unknown"), None);
        assert_eq!(SparkVersion::parse(""), None);
    }

    #[test]
    fn chunking_and_scripting_start_with_4_1() {
        let knows = |t: &str| SparkVersion::parse(t).map(|v| v.knows_result_chunking());
        assert_eq!(knows("4.0.1"), Some(false));
        assert_eq!(knows("4.1.0"), Some(true));
        assert_eq!(knows("4.3.0"), Some(true));
        assert_eq!(knows("5.0.0"), Some(true));
        assert_eq!(knows("3.5.6"), Some(false));
        let scripts = |t: &str| SparkVersion::parse(t).map(|v| v.scripts_by_default());
        assert_eq!(scripts("4.0.4"), Some(false));
        assert_eq!(scripts("4.1.3"), Some(true));
    }
}
