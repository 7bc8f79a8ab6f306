//! Where live captures are spooled: one pcapng file per capture in the user's cache folder,
//! named after its start time and the process that captures. A spool whose process is gone
//! was left behind by a crash or a kill and is offered for recovery at the next launch.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::dissect::fmt::civil_from_days;

/// File names start with this; the rest is `YYYYMMDD-HHMMSS-PID.pcapng`.
const PREFIX: &str = "capture-";
const EXT: &str = ".pcapng";

/// The folder spools go to: `$XDG_CACHE_HOME/layerscope/captures`, or
/// `~/.cache/layerscope/captures`, or the temporary folder when neither is known.
pub fn dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(std::env::temp_dir);
    base.join("layerscope").join("captures")
}

/// A new spool path in `dir` (created if needed) for a capture starting now.
pub fn new_path(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil_from_days(now.div_euclid(86_400));
    let s = now.rem_euclid(86_400);
    let pid = std::process::id();
    let stem = format!(
        "{PREFIX}{y:04}{m:02}{d:02}-{:02}{:02}{:02}-{pid}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    let mut path = dir.join(format!("{stem}{EXT}"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{stem}-{n}{EXT}"));
    }
    Ok(path)
}

/// A spool left behind by a capture whose process is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    pub path: PathBuf,
    /// When it started, as its name says (`YYYY-MM-DD HH:MM:SS` UTC).
    pub started: String,
    pub bytes: u64,
}

/// The spools in `dir` whose capturing process no longer runs, oldest first.
pub fn leftovers(dir: &Path) -> Vec<Leftover> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Leftover> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (started, pid) = parse_name(&name)?;
            if process_alive(pid) {
                return None;
            }
            let bytes = e.metadata().ok()?.len();
            Some(Leftover {
                path: e.path(),
                started,
                bytes,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Whether `path` is a spool (in the spool folder, named as spools are).
pub fn is_spool(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str());
    name.and_then(parse_name).is_some() && path.parent() == Some(dir().as_path())
}

/// Start time and process id from a spool's file name.
fn parse_name(name: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(EXT)?;
    let mut parts = rest.split('-');
    let (date, time, pid) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(date, 8) || !digits(time, 6) {
        return None;
    }
    let pid = pid.parse().ok()?;
    let started = format!(
        "{}-{}-{} {}:{}:{}",
        &date[..4],
        &date[4..6],
        &date[6..],
        &time[..2],
        &time[2..4],
        &time[4..]
    );
    Some((started, pid))
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    // Linux: a running process has a folder in /proc. Elsewhere, assume it is gone.
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_start_time_and_process() {
        let dir = std::env::temp_dir().join(format!("ls-spool-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = new_path(&dir).unwrap();
        std::fs::write(&a, b"x").unwrap();
        let b = new_path(&dir).unwrap();
        assert_ne!(
            a, b,
            "a second capture in the same second gets its own name"
        );
        let name = a.file_name().unwrap().to_str().unwrap();
        let (started, pid) = parse_name(name).unwrap();
        assert_eq!(pid, std::process::id());
        assert_eq!(started.len(), 19, "{started}");
        // Ours is alive: not a leftover. A dead process's spool is.
        assert!(leftovers(&dir).is_empty());
        let dead = dir.join("capture-20261206-140233-999999999.pcapng");
        std::fs::write(&dead, b"12345").unwrap();
        std::fs::write(dir.join("notes.txt"), b"not a spool").unwrap();
        let left = leftovers(&dir);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].path, dead);
        assert_eq!(left[0].started, "2026-12-06 14:02:33");
        assert_eq!(left[0].bytes, 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn odd_names_are_not_spools() {
        for n in [
            "capture-2026-140233-1.pcapng",
            "capture-20261206-140233-x.pcapng",
            "capture-20261206-140233-1.pcap",
            "other-20261206-140233-1.pcapng",
        ] {
            assert!(parse_name(n).is_none(), "{n}");
        }
    }
}
