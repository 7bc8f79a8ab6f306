//! Lessons: a guided walk through a capture, one step at a time. Each step selects a
//! packet (and a field of it, which the explanation panel then explains) and shows a
//! short text. A lesson is a JSON file (format in `assets/lessons/README.md`); the
//! bundled ones are embedded in the binary with the captures they use, and a teacher's
//! own is opened from a path (File ▸ Open Lesson…, `layerscope --lesson FILE`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod challenge;
pub use challenge::{Challenge, Expected};

use crate::dissect::{Dissection, Field, Range, Src};
use crate::store::{PacketId, Store};

/// The bundled lessons, in the order they are taught: (name, JSON).
const BUNDLED: &[(&str, &str)] = &[
    (
        "osi-one-packet",
        include_str!("../../assets/lessons/osi-one-packet.json"),
    ),
    (
        "handshake",
        include_str!("../../assets/lessons/handshake.json"),
    ),
    (
        "refused-and-teardown",
        include_str!("../../assets/lessons/refused-and-teardown.json"),
    ),
    (
        "teardown",
        include_str!("../../assets/lessons/teardown.json"),
    ),
    (
        "websocket-upgrade",
        include_str!("../../assets/lessons/websocket-upgrade.json"),
    ),
    (
        "websocket-frames",
        include_str!("../../assets/lessons/websocket-frames.json"),
    ),
    (
        "socketio",
        include_str!("../../assets/lessons/socketio.json"),
    ),
    (
        "socketio-vs-websocket",
        include_str!("../../assets/lessons/socketio-vs-websocket.json"),
    ),
];

/// The sample captures bundled lessons use, embedded: (file name in samples/, bytes).
const SAMPLES: &[(&str, &[u8])] = &[
    (
        "socketio-chat.pcap",
        include_bytes!("../../samples/socketio-chat.pcap"),
    ),
    (
        "tcp-refused.pcap",
        include_bytes!("../../samples/tcp-refused.pcap"),
    ),
    (
        "http-get.pcap",
        include_bytes!("../../samples/http-get.pcap"),
    ),
    (
        "websocket-deflate.pcap",
        include_bytes!("../../samples/websocket-deflate.pcap"),
    ),
    (
        "chat-ws-vs-sio.pcap",
        include_bytes!("../../samples/chat-ws-vs-sio.pcap"),
    ),
];

/// A lesson as written in its file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Its name: the bundled lesson's, or the file's name without `.json`.
    #[serde(skip)]
    pub name: String,
    pub title: String,
    /// A file name in samples/ (bundled lessons) or a path relative to the lesson file.
    pub capture: String,
    pub steps: Vec<Step>,
    /// The folder of the lesson file (`None`: bundled).
    #[serde(skip)]
    pub dir: Option<PathBuf>,
}

/// One step: a packet (from 1, as people count), maybe a field, and what to say.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub packet: u32,
    #[serde(default)]
    pub field: Option<String>,
    pub text: String,
    /// A question this step asks instead of showing the value ([`challenge`]).
    #[serde(default)]
    pub challenge: Option<Challenge>,
}

/// Where a lesson's capture is.
#[derive(Clone, Debug, PartialEq)]
pub enum CaptureSource {
    /// Embedded in the binary: a name to show and the bytes.
    Bundled(&'static str, &'static [u8]),
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("no bundled lesson is called {0:?}; `layerscope lessons` lists them")]
    Unknown(String),
    #[error("cannot read the lesson {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("the lesson {0} is not valid: {1} (the format is in assets/lessons/README.md)")]
    Parse(String, serde_json::Error),
    #[error("the lesson {0} has no steps; add at least one")]
    Empty(String),
    #[error("the lesson {0} names {1:?}, which is not a bundled sample capture")]
    NoSample(String, String),
}

/// A selected field: its path (layer index, then child indexes; a layer alone is
/// `[layer]`) and its bytes (`None` for a field computed from elsewhere).
#[derive(Clone, Debug, PartialEq)]
pub struct FoundField {
    pub path: Vec<usize>,
    pub range: Option<Range>,
}

/// Every bundled lesson, in teaching order.
pub fn bundled() -> Vec<Lesson> {
    BUNDLED
        .iter()
        .filter_map(|(n, _)| load_bundled(n).ok())
        .collect()
}

/// The sample captures embedded in the binary: (file name in samples/, bytes).
pub fn bundled_samples() -> &'static [(&'static str, &'static [u8])] {
    SAMPLES
}

/// The names of the bundled lessons, in teaching order.
pub fn bundled_names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

/// The bundled lesson `name`.
pub fn load_bundled(name: &str) -> Result<Lesson, LessonError> {
    let (n, text) = (BUNDLED.iter())
        .find(|(n, _)| *n == name)
        .ok_or_else(|| LessonError::Unknown(name.to_string()))?;
    parse(n, text, None)
}

/// The lesson file at `path` (its capture is found relative to it).
pub fn load_path(path: &Path) -> Result<Lesson, LessonError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| LessonError::Read(path.to_path_buf(), e))?;
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&name, &text, Some(dir))
}

/// A bundled lesson's name, or else a path to a lesson file.
pub fn find(name_or_path: &str) -> Result<Lesson, LessonError> {
    match load_bundled(name_or_path) {
        Err(LessonError::Unknown(_)) if Path::new(name_or_path).exists() => {
            load_path(Path::new(name_or_path))
        }
        r => r,
    }
}

fn parse(name: &str, text: &str, dir: Option<PathBuf>) -> Result<Lesson, LessonError> {
    let mut l: Lesson =
        serde_json::from_str(text).map_err(|e| LessonError::Parse(name.to_string(), e))?;
    if l.steps.is_empty() {
        return Err(LessonError::Empty(name.to_string()));
    }
    l.name = name.to_string();
    l.dir = dir;
    Ok(l)
}

impl Lesson {
    /// Where its capture is: embedded for a bundled lesson, beside the file otherwise.
    pub fn capture_source(&self) -> Result<CaptureSource, LessonError> {
        match &self.dir {
            Some(dir) => Ok(CaptureSource::File(dir.join(&self.capture))),
            None => (SAMPLES.iter())
                .find(|(n, _)| *n == self.capture)
                .map(|(n, b)| CaptureSource::Bundled(n, b))
                .ok_or_else(|| LessonError::NoSample(self.name.clone(), self.capture.clone())),
        }
    }

    /// What in this lesson does not match `store` (its capture), one sentence each:
    /// a packet that is not there, a field its packet does not have.
    pub fn problems(&self, store: &Store) -> Vec<String> {
        let mut out = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            let d = s
                .packet
                .checked_sub(1)
                .and_then(|p| store.dissect(PacketId(p)));
            let Some(d) = d else {
                out.push(format!(
                    "step {}: packet {} is not in the capture ({} packets)",
                    i + 1,
                    s.packet,
                    store.len()
                ));
                continue;
            };
            if let Some(f) = s.field.as_deref().filter(|f| find_field(&d, f).is_none()) {
                out.push(format!(
                    "step {}: packet {} has no field {f:?} (`layerscope inspect -V` lists them)",
                    i + 1,
                    s.packet
                ));
            } else if let Some(Err(e)) = s.challenge.as_ref().map(|c| c.resolve(s, store)) {
                out.push(format!("step {}: {e}", i + 1));
            }
        }
        out
    }

    /// The answer to each step's challenge (`None`: the step asks nothing, or its
    /// challenge does not resolve, which [`Lesson::problems`] says).
    pub fn expected(&self, store: &Store) -> Vec<Option<Expected>> {
        (self.steps.iter())
            .map(|s| s.challenge.as_ref()?.resolve(s, store).ok())
            .collect()
    }
}

/// The first field called `name` in `d` (depth first, in tree order), or the layer
/// whose protocol is `name`.
pub fn find_field(d: &Dissection, name: &str) -> Option<FoundField> {
    for (li, layer) in d.layers.iter().enumerate() {
        if layer.protocol == name {
            return Some(FoundField {
                path: vec![li],
                range: Some(layer.range),
            });
        }
        for (fi, f) in layer.fields.iter().enumerate() {
            let mut path = vec![li, fi];
            if let Some(found) = search(f, name, &mut path) {
                return Some(found);
            }
        }
    }
    None
}

fn search(f: &Field, name: &str, path: &mut Vec<usize>) -> Option<FoundField> {
    if f.name == name {
        return Some(FoundField {
            path: path.clone(),
            range: (f.src != Src::Generated).then_some(f.range),
        });
    }
    for (ci, c) in f.children.iter().enumerate() {
        path.push(ci);
        if let Some(found) = search(c, name, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;

    fn store_of(l: &Lesson) -> Store {
        let CaptureSource::Bundled(_, bytes) = l.capture_source().expect("its capture") else {
            panic!("bundled lessons use bundled captures");
        };
        Store::build(Capture::from_bytes(bytes.to_vec()).expect("a sample opens"))
    }

    #[test]
    fn every_bundled_lesson_matches_its_capture() {
        let all = bundled();
        assert_eq!(all.len(), BUNDLED.len(), "every bundled lesson parses");
        for l in &all {
            assert!(
                (4..=10).contains(&l.steps.len()),
                "{}: {} steps",
                l.name,
                l.steps.len()
            );
            let store = store_of(l);
            assert_eq!(l.problems(&store), Vec::<String>::new(), "{}", l.name);
            // Every challenge resolves: its field is there, its answer one of its choices.
            let asked = l.steps.iter().filter(|s| s.challenge.is_some()).count();
            let resolved = l.expected(&store).iter().flatten().count();
            assert_eq!(resolved, asked, "{}: every challenge resolves", l.name);
        }
    }

    /// The bundled challenges' answers, as read from the packets with
    /// `layerscope inspect -V -Y 'frame.number == N'` (and, for the Accept, computed).
    #[test]
    fn the_bundled_challenges_expect_what_the_packets_say() {
        let answer = |name: &str| {
            let l = load_bundled(name).expect("bundled");
            let e = l
                .expected(&store_of(&l))
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            assert_eq!(e.len(), 1, "{name}: one challenge");
            e[0].shown.clone()
        };
        // Packet 2's raw sequence number is 858667450: its SYN counts as one byte.
        assert_eq!(answer("handshake"), "858667451");
        assert_eq!(answer("websocket-frames"), "client");
        // base64(SHA-1("5ELjMcfpFtJL0zHkZtHMnQ==" + the GUID)), as packet 29 sends it.
        assert_eq!(answer("websocket-upgrade"), "eSaA9M3qUCmAQ+0f3iKrxTAuXJw=");
    }

    #[test]
    fn a_challenge_that_does_not_resolve_is_reported() {
        let mut l = load_bundled("websocket-frames").expect("bundled");
        let store = store_of(&l);
        let c = l.steps.iter_mut().find_map(|s| s.challenge.as_mut());
        c.expect("a challenge").answer = Some("proxy".into());
        let p = l.problems(&store);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("\"proxy\" is not one of the choices"),
            "{p:?}"
        );
    }

    #[test]
    fn a_wrong_packet_or_field_is_reported() {
        let mut l = load_bundled("handshake").expect("bundled");
        let store = store_of(&l);
        l.steps[0].field = Some("http.upgrade".into());
        l.steps[1].packet = 9999;
        let p = l.problems(&store);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("no field \"http.upgrade\""), "{p:?}");
        assert!(p[1].contains("packet 9999 is not in the capture"), "{p:?}");
    }

    #[test]
    fn unknown_names_and_bad_files_say_what_to_do() {
        let e = find("no-such-lesson").expect_err("unknown");
        assert!(e.to_string().contains("layerscope lessons"), "{e}");
        let dir = std::env::temp_dir().join(format!("layerscope-lesson-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"title": "x", "capture": "a.pcap", "steps": []}"#).expect("w");
        let e = load_path(&bad).expect_err("no steps");
        assert!(e.to_string().contains("no steps"), "{e}");
        let good = dir.join("mine.json");
        std::fs::write(
            &good,
            r#"{"title": "Mine", "capture": "c.pcap", "steps": [{"packet": 1, "text": "hi"}]}"#,
        )
        .expect("w");
        let l = find(good.to_str().expect("utf-8")).expect("a path loads");
        assert_eq!(l.name, "mine");
        assert_eq!(
            l.capture_source().expect("a file"),
            CaptureSource::File(dir.join("c.pcap"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_field_is_found_by_name_with_its_path_and_range() {
        let l = load_bundled("handshake").expect("bundled");
        let d = store_of(&l).dissect(PacketId(0)).expect("packet 1");
        let f = find_field(&d, "tcp.flags.syn").expect("a SYN has the flag");
        assert_eq!(f.range, Some([46, 48]));
        assert_eq!(f.path.len(), 3, "layer, flags, syn: {:?}", f.path);
        let l4 = find_field(&d, "tcp").expect("the layer");
        assert_eq!(l4.path.len(), 1);
        assert!(find_field(&d, "http.upgrade").is_none());
    }
}
