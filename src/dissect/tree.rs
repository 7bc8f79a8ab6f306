//! The field tree of one packet: layers placed on the OSI model, fields with
//! Wireshark-style names and byte ranges, where decoding stopped, and warnings.

use std::borrow::Cow;
use std::fmt::Display;

use etherparse::err::Layer as EpLayer;
use serde::Serialize;

use super::slice::{offset_in, LinkStop, Sliced};
use super::value::{render, Show, Value};
use super::{info::TcpRel, link, net, transport, FrameMeta, Osi};

/// A half-open byte range `[start, end)` in the captured frame.
pub type Range = [u32; 2];

/// Which bytes a field's [`Range`] is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Src {
    /// The captured frame.
    #[default]
    Frame,
    /// A buffer derived from the capture ([`Dissection::derived`], by index): a
    /// payload unmasked, joined or inflated, a head joined from several packets.
    Derived(u16),
    /// No bytes of its own: a value the analysis worked out (Wireshark's
    /// "generated" fields, shown in brackets there); its range is empty.
    Generated,
}

impl Src {
    fn is_frame(&self) -> bool {
        *self == Src::Frame
    }
}

/// One decoded field: a typed value, how to put it in words, and the bytes it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Filter name, Wireshark's where Wireshark has one (`ip.src`, `tcp.flags.syn`).
    pub name: &'static str,
    /// Human label (`Source Address`).
    pub label: &'static str,
    /// The value (`127.0.0.1`, `2`), what filters compare and exports carry.
    pub value: Value,
    /// How the value is put in words (hex, `Set`/`Not set`, a unit).
    pub show: Show,
    /// Words appended to the rendered value, as written (`" [correct]"`, `" (SYN)"`).
    pub note: Option<Cow<'static, str>>,
    /// The bytes the value came from, in [`Field::src`].
    pub range: Range,
    /// Which bytes `range` is in (the frame, a derived buffer, none).
    pub src: Src,
    pub children: Vec<Field>,
}

impl Field {
    /// A field without a definition of its own (tests, comments); protocol code uses
    /// [`FieldDef::at`](super::FieldDef::at).
    pub fn new(
        name: &'static str,
        label: &'static str,
        value: impl Into<Value>,
        range: Range,
    ) -> Self {
        Field {
            name,
            label,
            value: value.into(),
            show: Show::Plain,
            note: None,
            range,
            src: Src::Frame,
            children: Vec::new(),
        }
    }

    /// The same field shown as `show` says.
    pub fn show(mut self, show: Show) -> Self {
        self.show = show;
        self
    }

    /// The same field with `note` appended to its words (give the leading space).
    pub fn note(mut self, note: impl Into<Cow<'static, str>>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The same field under another label than its definition's.
    pub fn labelled(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    /// The field with its bytes at `range` of `src`, when known (else as it was).
    pub fn placed(mut self, at: Option<(Src, Range)>) -> Self {
        if let Some((src, range)) = at {
            self.src = src;
            self.range = range;
        }
        self
    }

    /// A value the analysis worked out, with no bytes of its own ([`Src::Generated`]).
    pub fn generated(mut self) -> Self {
        self.src = Src::Generated;
        self.range = [0, 0];
        self
    }

    pub fn with(mut self, children: Vec<Field>) -> Self {
        self.children = children;
        self
    }

    /// The value in words, as a person reads it (`0x0002 (SYN)`, `Set`, `74 bytes`).
    pub fn shown(&self) -> String {
        let mut s = String::new();
        render(&mut s, &self.value, self.show);
        if let Some(n) = &self.note {
            s.push_str(n);
        }
        s
    }

    /// Depth-first search by name (this field, then its children).
    pub fn find(&self, name: &str) -> Option<&Field> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// `inspect --json`'s shape of a field: `value` stays the display text; `type` and `data`
/// carry the typed value, `link`/`links` the packets it names (see README, "JSON schema").
impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("label", self.label)?;
        m.serialize_entry("value", &self.shown())?;
        m.serialize_entry("type", self.value.kind().name())?;
        match &self.value {
            Value::None => {}
            Value::Unsigned(v) => m.serialize_entry("data", v)?,
            Value::Signed(v) => m.serialize_entry("data", v)?,
            Value::Bool(v) => m.serialize_entry("data", v)?,
            Value::Ipv4(a) => m.serialize_entry("data", &a.to_string())?,
            Value::Ipv6(a) => m.serialize_entry("data", &a.to_string())?,
            Value::Mac(a) => m.serialize_entry("data", &super::fmt::mac(a))?,
            Value::Bytes(b) => m.serialize_entry("data", &super::fmt::hex(b, usize::MAX))?,
            Value::Text(t) => m.serialize_entry("data", t)?,
            Value::Time(ns) | Value::Duration(ns) => m.serialize_entry("data", ns)?,
            Value::Named(v, name) => {
                m.serialize_entry("data", v)?;
                m.serialize_entry("data_name", name)?;
            }
            Value::Frame(n) => {
                m.serialize_entry("data", n)?;
                m.serialize_entry("link", n)?;
            }
            Value::Frames(v) => {
                m.serialize_entry("data", v)?;
                m.serialize_entry("links", v)?;
            }
        }
        m.serialize_entry("range", &self.range)?;
        if !self.src.is_frame() {
            m.serialize_entry("src", &self.src)?;
        }
        m.serialize_entry("children", &self.children)?;
        m.end()
    }
}

/// One protocol layer of a packet.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Layer {
    pub osi: Osi,
    /// Short protocol name, also the filter prefix (`eth`, `ip`, `tcp`).
    pub protocol: &'static str,
    /// One-line summary (`Internet Protocol Version 4, Src: 127.0.0.1, Dst: 127.0.0.1`).
    pub title: String,
    pub range: Range,
    pub fields: Vec<Field>,
}

impl Layer {
    pub fn new(osi: Osi, protocol: &'static str, title: impl Into<String>, range: Range) -> Self {
        Layer {
            osi,
            protocol,
            title: title.into(),
            range,
            fields: Vec::new(),
        }
    }

    pub fn find(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find_map(|f| f.find(name))
    }
}

/// Where and why decoding stopped before the end of the frame.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Stop {
    pub osi: Osi,
    pub protocol: String,
    pub reason: String,
}

impl Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stopped at {} (layer {}): {}",
            self.protocol,
            self.osi.number(),
            self.reason
        )
    }
}

/// An anomaly seen while decoding. The packet is still decoded.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Warning {
    pub osi: Osi,
    pub protocol: &'static str,
    pub message: String,
    pub range: Option<Range>,
}

/// Bytes that some fields of a packet were decoded from but that are not the
/// frame's own: a WebSocket payload unmasked, joined or inflated, an HTTP head or
/// body joined from several packets, a frame header that sits in an earlier packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Derived {
    /// What the bytes are, for a tab title (`WebSocket message, unmasked (12 bytes)`).
    pub name: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// The full decode of one packet.
#[derive(Clone, Debug, Serialize)]
pub struct Dissection {
    pub number: u64,
    pub ts_ns: i64,
    pub caplen: u32,
    pub origlen: u32,
    pub layers: Vec<Layer>,
    pub stop: Option<Stop>,
    pub warnings: Vec<Warning>,
    /// Buffers fields point into with [`Src::Derived`].
    pub derived: Vec<Derived>,
}

impl Dissection {
    /// The field at `path`: a layer index, then child indexes (`None` for a layer
    /// alone, or a path that leads nowhere).
    pub fn field_at(&self, path: &[usize]) -> Option<&Field> {
        let (&li, rest) = path.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let mut f = self.layers.get(li)?.fields.get(first)?;
        for &i in rest {
            f = f.children.get(i)?;
        }
        Some(f)
    }

    pub fn layer(&self, protocol: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.protocol == protocol)
    }

    /// First field with this name in any layer.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.layers.iter().find_map(|l| l.find(name))
    }

    /// The index of the derived buffer holding exactly `bytes` under `name`, added
    /// if it is not there yet. `None` past `u16::MAX` buffers (never in practice:
    /// a packet completes a handful of messages).
    pub fn derive(&mut self, name: impl Into<String>, bytes: &[u8]) -> Option<u16> {
        if let Some(i) = self.derived.iter().position(|d| d.bytes == bytes) {
            return u16::try_from(i).ok();
        }
        let i = u16::try_from(self.derived.len()).ok()?;
        self.derived.push(Derived {
            name: name.into(),
            bytes: bytes.to_vec(),
        });
        Some(i)
    }

    /// The bytes a field's range is in: the frame's `frame`, a derived buffer, or none.
    pub fn bytes_of<'a>(&'a self, frame: &'a [u8], f: &Field) -> Option<&'a [u8]> {
        let buf = match f.src {
            Src::Frame => frame,
            Src::Derived(i) => &self.derived.get(usize::from(i))?.bytes,
            Src::Generated => return None,
        };
        buf.get(f.range[0] as usize..f.range[1] as usize)
    }
}

/// Accumulates layers while the frame is walked from the outside in.
pub(crate) struct Tree<'a> {
    pub frame: &'a [u8],
    pub layers: Vec<Layer>,
    pub warnings: Vec<Warning>,
    pub stop: Option<Stop>,
}

impl<'a> Tree<'a> {
    /// The byte range a sub-slice of the frame covers.
    pub fn range(&self, part: &[u8]) -> Range {
        let start = offset_in(self.frame, part) as u32;
        [start, start + part.len() as u32]
    }

    /// The range of `len` bytes at `at` inside sub-slice `part`, clamped to the frame.
    pub fn sub(&self, part: &[u8], at: usize, len: usize) -> Range {
        let base = offset_in(self.frame, part);
        let end = self.frame.len();
        let s = (base + at).min(end);
        [s as u32, (base + at + len).min(end) as u32]
    }

    pub fn warn(
        &mut self,
        osi: Osi,
        protocol: &'static str,
        message: String,
        range: Option<Range>,
    ) {
        self.warnings.push(Warning {
            osi,
            protocol,
            message,
            range,
        });
    }

    pub fn stop_at(&mut self, osi: Osi, protocol: impl Into<String>, reason: impl Into<String>) {
        if self.stop.is_none() {
            self.stop = Some(Stop {
                osi,
                protocol: protocol.into(),
                reason: reason.into(),
            });
        }
    }
}

pub(crate) fn build(
    meta: &FrameMeta,
    data: &[u8],
    s: &Sliced<'_>,
    tcp: Option<TcpRel>,
) -> Dissection {
    let mut t = Tree {
        frame: data,
        layers: Vec::new(),
        warnings: Vec::new(),
        stop: None,
    };
    link::frame_layer(&mut t, meta);
    link::link_layers(&mut t, s);
    if let Some(stop) = &s.link_stop {
        link_stop(&mut t, stop);
    }
    if let Some(p) = &s.packet {
        net::net_layers(&mut t, p);
        let dns = super::slice::dns_message(s);
        transport::transport_layers(&mut t, p, s.tcp, dns, tcp);
        if let Some((err, layer)) = &p.stop_err {
            let (osi, proto) = etherparse_layer(*layer);
            t.stop_at(osi, proto, stop_reason(err));
        }
    }
    Dissection {
        number: meta.number,
        ts_ns: meta.ts_ns,
        caplen: meta.caplen,
        origlen: meta.origlen,
        layers: t.layers,
        stop: t.stop,
        warnings: t.warnings,
        derived: Vec::new(),
    }
}

fn link_stop(t: &mut Tree<'_>, stop: &LinkStop) {
    match stop {
        LinkStop::Short {
            protocol,
            needed,
            have,
        } => t.stop_at(
            Osi::DataLink,
            *protocol,
            format!("header needs {needed} bytes, {have} captured"),
        ),
        LinkStop::Unsupported { protocol, what } => {
            t.stop_at(Osi::DataLink, *protocol, format!("{what} is not decoded"))
        }
        LinkStop::UnknownLinkType(n) => t.stop_at(
            Osi::Physical,
            "frame",
            format!("link type {n} is not decoded; the frame is shown as raw bytes"),
        ),
    }
    if matches!(stop, LinkStop::UnknownLinkType(_)) || t.layers.len() == 1 {
        transport::data_layer(t, t.frame);
    }
}

/// A short reason for an etherparse stop: lengths in plain words, other errors as etherparse says them.
pub(crate) fn stop_reason(err: &etherparse::err::packet::SliceError) -> String {
    use etherparse::{err::packet::SliceError, LenSource};
    match err {
        SliceError::Len(l) => {
            let what = match l.len_source {
                LenSource::Slice => "captured",
                _ => "left by the enclosing length field",
            };
            format!(
                "{} needs {} bytes, {} {what}",
                l.layer, l.required_len, l.len
            )
        }
        other => other.to_string(),
    }
}

/// Place an etherparse error layer on the OSI model.
fn etherparse_layer(l: EpLayer) -> (Osi, &'static str) {
    use EpLayer::*;
    match l {
        LinuxSllHeader => (Osi::DataLink, "Linux cooked capture v1"),
        Ethernet2Header | EtherPayload => (Osi::DataLink, "Ethernet II"),
        VlanHeader => (Osi::DataLink, "802.1Q Virtual LAN"),
        MacsecHeader | MacsecPacket => (Osi::DataLink, "MACsec"),
        Arp => (Osi::DataLink, "ARP"),
        Igmp => (Osi::Network, "IGMP"),
        IpHeader => (Osi::Network, "IP"),
        Ipv4Header | Ipv4Packet => (Osi::Network, "IPv4"),
        IpAuthHeader => (Osi::Network, "IP Authentication Header"),
        Ipv6Header
        | Ipv6Packet
        | Ipv6ExtHeader
        | Ipv6HopByHopHeader
        | Ipv6DestOptionsHeader
        | Ipv6RouteHeader
        | Ipv6FragHeader => (Osi::Network, "IPv6"),
        Icmpv4 | Icmpv4Timestamp | Icmpv4TimestampReply => (Osi::Network, "ICMP"),
        Icmpv6 => (Osi::Network, "ICMPv6"),
        UdpHeader | UdpPayload => (Osi::Transport, "UDP"),
        TcpHeader => (Osi::Transport, "TCP"),
    }
}
