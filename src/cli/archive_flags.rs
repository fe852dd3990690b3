//! `--archive PATH` and `--no-archive`: which archive a command fills, if any.

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use crate::archive::{self, Archive, SharedArchive};
use crate::config::Config;

/// The archive options of commands that fetch.
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveArgs {
    /// The archive file every fetched message is kept in [default: `archive` from the
    /// config file, else archive.sqlite3 in the data directory; the demo's own file with --demo]
    #[arg(long, value_name = "PATH")]
    pub archive: Option<PathBuf>,
    /// Keep nothing in the archive
    #[arg(long, conflicts_with = "archive")]
    pub no_archive: bool,
}

/// The archive file: `explicit` (`--archive`), else the configured one, else the
/// default in the data directory. The demo keeps its own file beside the real one,
/// so that trying the demo never mixes demo messages among real ones.
pub fn archive_path(
    explicit: Option<&Path>,
    config: &Config,
    demo: bool,
) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let real = match &config.archive {
        Some(path) => path.clone(),
        None => archive::default_path(false).ok_or_else(|| {
            anyhow!("no data directory for the archive (HOME unset?): pass --archive PATH")
        })?,
    };
    Ok(if demo {
        real.with_file_name(archive::DEMO_FILE_NAME)
    } else {
        real
    })
}

/// Opens the archive at `path`, saying how to do without it when it cannot be used.
pub fn open_archive(path: &Path, offer_no_archive: bool) -> anyhow::Result<Archive> {
    Archive::open(path).map_err(|e| {
        let hint = if offer_no_archive {
            " (--archive PATH uses another file, --no-archive none)"
        } else {
            " (--archive PATH uses another file)"
        };
        anyhow!("{e}{hint}")
    })
}

impl ArchiveArgs {
    /// The shared archive this command fills, or `None` with `--no-archive`.
    pub fn open(&self, config: &Config, demo: bool) -> anyhow::Result<Option<SharedArchive>> {
        if self.no_archive {
            return Ok(None);
        }
        let path = archive_path(self.archive.as_deref(), config, demo)?;
        Ok(Some(SharedArchive::new(open_archive(&path, true)?)))
    }
}

/// One line for the end of a command whose stores into the archive failed.
pub fn failure_warning(archive: Option<&SharedArchive>) -> Option<String> {
    let (error, count) = archive?.failure()?;
    Some(format!(
        "volc-im: warning: {count} store{} into the archive failed (the command's own output is complete); the first: {error}",
        if count == 1 { "" } else { "s" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_never_uses_the_real_archive() {
        let config = Config {
            archive: Some(PathBuf::from("/data/chat/mine.sqlite3")),
            ..Config::default()
        };
        assert_eq!(
            archive_path(None, &config, false).unwrap(),
            PathBuf::from("/data/chat/mine.sqlite3")
        );
        assert_eq!(
            archive_path(None, &config, true).unwrap(),
            PathBuf::from("/data/chat/demo-archive.sqlite3")
        );
        assert_eq!(
            archive_path(Some(Path::new("/tmp/x.db")), &config, true).unwrap(),
            PathBuf::from("/tmp/x.db"),
            "an explicit --archive is used as given"
        );
    }
}
