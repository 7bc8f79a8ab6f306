//! The first tier of a filter: tests answered from a packet's compact summary, its flow's
//! endpoints, its index record and (for Ethernet frames) its first twelve bytes, with no
//! dissection (issue 10's "summary tier"). A test the summary cannot answer exactly says
//! so (`None`) and the packet is dissected; `and`, `or` and `not` combine known and unknown
//! answers in three-valued logic, so `tcp.port == 8080 && websocket.opcode == 1` dissects
//! only the packets on port 8080.
//!
//! The answers are the tree's answers: each value is the typed value the field tree
//! carries, compared by the same rules ([`super::compare`]), and header fields are given
//! only for packets whose summary describes their headers completely (no ICMP error quoting
//! inner headers, no cut or incomplete header, no tunnel of one IP version in the other). A
//! test compares, for every sample and every corpus file, every packet's quick answer with
//! its dissected one. Nothing is formatted: the values are built on the stack.

use std::net::IpAddr;

use crate::capture::{LinkType, PacketRecord};
use crate::dissect::{anomaly, tcp_flags, Endpoints, Proto, Summary, Value};
use crate::store::{PacketId, Store};

use super::compare::Occ;
use super::eval::test_values;
use super::fields::is_protocol;
use super::parser::{Expr, SetItem, Test};

/// What the quick tier knows of one packet: its summary and flow endpoints, read for
/// nearly every test; the rest is looked up in the store when a test asks (asked once per
/// packet of a capture, building it all was a quarter of the tier's work).
pub(crate) struct Known<'a> {
    pub id: PacketId,
    pub store: &'a Store,
    pub summary: &'a Summary,
    /// The packet's flow endpoints, oriented as this packet travels (source first).
    pub ends: Option<Endpoints>,
}

/// Anomalies that leave the summary's view of the headers whole.
const HARMLESS: u16 = anomaly::BAD_IPV4_CHECKSUM | anomaly::TCP_BAD_FLAGS;

/// The values of one name on one packet: none (absent), one or two (both ports).
pub(crate) struct Vals {
    n: usize,
    v: [Value; 2],
}

impl Vals {
    fn none() -> Vals {
        Vals {
            n: 0,
            v: [Value::None, Value::None],
        }
    }

    fn one(a: Value) -> Vals {
        Vals {
            n: 1,
            v: [a, Value::None],
        }
    }

    fn two(a: Value, b: Value) -> Vals {
        Vals { n: 2, v: [a, b] }
    }

    fn when(cond: bool, v: Vals) -> Vals {
        if cond {
            v
        } else {
            Vals::none()
        }
    }

    fn as_slice(&self) -> &[Value] {
        &self.v[..self.n]
    }
}

fn ip(a: IpAddr) -> Value {
    match a {
        IpAddr::V4(a) => Value::Ipv4(a),
        IpAddr::V6(a) => Value::Ipv6(a),
    }
}

fn mac(b: &[u8]) -> Value {
    let mut m = [0u8; 6];
    m.copy_from_slice(&b[..6]);
    Value::Mac(m)
}

impl Known<'_> {
    fn record(&self) -> Option<&PacketRecord> {
        self.store.capture.record(self.id.index())
    }

    /// Its TCP conversation (`tcp.stream`), if the analysis gave it one.
    fn stream(&self) -> Option<u32> {
        let conversation = self.store.analysis.tcp.conversation_of(self.id);
        conversation.map(|(c, _)| c.0)
    }

    fn link_type(&self) -> LinkType {
        self.store.capture.link_type(self.id.index())
    }

    /// The captured bytes (only the Ethernet addresses are read from them).
    fn data(&self) -> &[u8] {
        self.store.capture.data(self.id.index())
    }

    /// The summary describes the packet's headers completely.
    fn plain(&self) -> bool {
        let p = self.summary.protos;
        let quoting = p.contains(Proto::Icmp) || p.contains(Proto::Icmpv6);
        let tunnel = p.contains(Proto::Ipv4) && p.contains(Proto::Ipv6);
        self.summary.anomalies & !HARMLESS == 0 && !quoting && !tunnel
    }

    /// The values the tree has for `name` on this packet, or `None` when it cannot say.
    fn values(&self, name: &str) -> Option<Vals> {
        if let Some(v) = self.frame_values(name) {
            return v;
        }
        if !self.plain() {
            return None;
        }
        let s = self.summary;
        let tcp = s.protos.contains(Proto::Tcp);
        let udp = s.protos.contains(Proto::Udp);
        let ends =
            |pick: &dyn Fn(&Endpoints) -> Vals| self.ends.as_ref().map_or(Vals::none(), pick);
        let ports = |e: &Endpoints| Vals::two(e.sport.into(), e.dport.into());
        let sport = |e: &Endpoints| Vals::one(e.sport.into());
        let dport = |e: &Endpoints| Vals::one(e.dport.into());
        let flag = |bit: u16| Vals::when(tcp, Vals::one(Value::Bool(s.tcp_flags & bit != 0)));
        Some(match name {
            "tcp.port" => Vals::when(tcp, ends(&ports)),
            "tcp.srcport" => Vals::when(tcp, ends(&sport)),
            "tcp.dstport" => Vals::when(tcp, ends(&dport)),
            "udp.port" => Vals::when(udp, ends(&ports)),
            "udp.srcport" => Vals::when(udp, ends(&sport)),
            "udp.dstport" => Vals::when(udp, ends(&dport)),
            "tcp.len" => Vals::when(tcp, Vals::one(s.payload_len.into())),
            "tcp.flags" => Vals::when(tcp, Vals::one(s.tcp_flags.into())),
            "tcp.flags.res" => flag(0x0e00),
            "tcp.flags.ae" => flag(tcp_flags::AE),
            "tcp.flags.cwr" => flag(tcp_flags::CWR),
            "tcp.flags.ece" => flag(tcp_flags::ECE),
            "tcp.flags.urg" => flag(tcp_flags::URG),
            "tcp.flags.ack" => flag(tcp_flags::ACK),
            "tcp.flags.push" => flag(tcp_flags::PSH),
            "tcp.flags.reset" => flag(tcp_flags::RST),
            "tcp.flags.syn" => flag(tcp_flags::SYN),
            "tcp.flags.fin" => flag(tcp_flags::FIN),
            "tcp.stream" => match self.stream() {
                Some(c) if tcp => Vals::one(c.into()),
                _ => Vals::none(),
            },
            "eth.addr" | "eth.src" | "eth.dst" => self.eth(name)?,
            _ => return self.addresses(name),
        })
    }

    /// `frame.*` from the index record: known for every packet.
    fn frame_values(&self, name: &str) -> Option<Option<Vals>> {
        let r = self.record();
        let ts = |f: &dyn Fn(&PacketRecord) -> Value| Some(r.map(|r| Vals::one(f(r))));
        match name {
            "frame.number" => Some(Some(Vals::one(self.id.number().into()))),
            "frame.len" => ts(&|r| r.origlen.into()),
            "frame.time" | "frame.time_epoch" => ts(&|r| Value::Time(r.ts_ns)),
            "frame.time_relative" => ts(&|r| Value::Duration(r.ts_ns - self.store.first_ts_ns())),
            "frame.time_delta" => ts(&|r| {
                let prev = self.store.prev_ts_ns(self.id);
                Value::Duration(r.ts_ns - prev.unwrap_or(r.ts_ns))
            }),
            _ => None,
        }
    }

    /// `ip.*` and `ipv6.*` addresses from the flow's endpoints.
    fn addresses(&self, name: &str) -> Option<Vals> {
        let (family, field) = name.split_once('.')?;
        let proto = match family {
            "ip" => Proto::Ipv4,
            "ipv6" => Proto::Ipv6,
            _ => return None,
        };
        if !matches!(field, "addr" | "src" | "dst") {
            return None;
        }
        let here = self.summary.protos.contains(proto);
        if !here {
            return Some(Vals::none());
        }
        // Without a flow (no transport the flow table keys on) the summary does not hold
        // the addresses.
        let e = self.ends.as_ref()?;
        Some(match field {
            "src" => Vals::one(ip(e.src)),
            "dst" => Vals::one(ip(e.dst)),
            _ => Vals::two(ip(e.src), ip(e.dst)),
        })
    }

    /// The Ethernet addresses of a frame whose link type is Ethernet (read from its first
    /// twelve bytes); `None` for other link types, which may carry Ethernet further in.
    fn eth(&self, name: &str) -> Option<Vals> {
        if self.link_type() != LinkType::ETHERNET {
            return None;
        }
        let data = self.data();
        if !self.summary.protos.contains(Proto::Eth) || data.len() < 12 {
            return Some(Vals::none());
        }
        let (dst, src) = (mac(&data[0..6]), mac(&data[6..12]));
        Some(match name {
            "eth.src" => Vals::one(src),
            "eth.dst" => Vals::one(dst),
            _ => Vals::two(dst, src),
        })
    }

    /// The bytes of protocol `name` as the tree has them (see [`super::eval::layer_bytes`]):
    /// the captured frame for `frame` (and `eth` on Ethernet), and the IP packet or TCP or
    /// UDP segment of a packet whose headers the summary describes, found by slicing it
    /// again; `Some(None)` when the packet has no such layer, `None` when it cannot say.
    fn proto_bytes(&self, name: &str) -> Option<Option<&[u8]>> {
        let p = self.summary.protos;
        let data = self.data();
        let whole = Some(Some(data));
        match name {
            "frame" => whole,
            "eth" if self.link_type() == LinkType::ETHERNET => {
                if p.contains(Proto::Eth) {
                    whole
                } else {
                    Some(None)
                }
            }
            "ip" | "ipv6" | "tcp" | "udp" if self.plain() => {
                let proto = match name {
                    "ip" => Proto::Ipv4,
                    "ipv6" => Proto::Ipv6,
                    "tcp" => Proto::Tcp,
                    _ => Proto::Udp,
                };
                if !p.contains(proto) {
                    return Some(None);
                }
                let spans = crate::dissect::spans(self.link_type(), data);
                let [start, end] = spans.ip?;
                let start = match proto {
                    Proto::Tcp | Proto::Udp => spans.transport?,
                    _ => start,
                };
                data.get(start..end).map(Some)
            }
            _ => None,
        }
    }

    /// Whether a protocol is present, for the names the summary knows.
    fn has(&self, name: &str) -> Option<bool> {
        if name == "frame" {
            return Some(true);
        }
        if let Some(v) = self.frame_values(name) {
            return v.map(|v| v.n > 0);
        }
        if name == "eth" && self.link_type() == LinkType::ETHERNET {
            return Some(self.summary.protos.contains(Proto::Eth));
        }
        if !self.plain() {
            return None;
        }
        let p = self.summary.protos;
        Some(match name {
            "tcp" => p.contains(Proto::Tcp),
            "udp" => p.contains(Proto::Udp),
            "ip" => p.contains(Proto::Ipv4),
            "ipv6" => p.contains(Proto::Ipv6),
            "arp" => p.contains(Proto::Arp),
            "dns" => p.contains(Proto::Dns),
            _ => return self.values(name).map(|v| v.n > 0),
        })
    }
}

/// The names whose values and presence come from a packet's summary, flow and index
/// record alone, never from the analysis ([`Known::values`] and [`Known::has`] but
/// `tcp.stream`): a filter of only these picks its packets before anything is analysed
/// (`Store::build_scoped`). Where the summary cannot say (a packet it does not describe
/// whole), the packet's own tree answers, which for these names is the same.
const SUMMARY_NAMES: [&str; 41] = [
    "frame",
    "frame.number",
    "frame.len",
    "frame.time",
    "frame.time_epoch",
    "frame.time_relative",
    "frame.time_delta",
    "eth",
    "eth.addr",
    "eth.src",
    "eth.dst",
    "arp",
    "ip",
    "ip.addr",
    "ip.src",
    "ip.dst",
    "ipv6",
    "ipv6.addr",
    "ipv6.src",
    "ipv6.dst",
    "tcp",
    "tcp.port",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.len",
    "tcp.flags",
    "tcp.flags.res",
    "tcp.flags.ae",
    "tcp.flags.cwr",
    "tcp.flags.ece",
    "tcp.flags.urg",
    "tcp.flags.ack",
    "tcp.flags.push",
    "tcp.flags.reset",
    "tcp.flags.syn",
    "tcp.flags.fin",
    "udp",
    "udp.port",
    "udp.srcport",
    "udp.dstport",
    "dns",
];

/// Whether every test of `e` names only [`SUMMARY_NAMES`].
pub(crate) fn without_analysis(e: &Expr) -> bool {
    match e {
        Expr::All => true,
        Expr::And(v) | Expr::Or(v) => v.iter().all(without_analysis),
        Expr::Not(x) => without_analysis(x),
        Expr::Has(name) | Expr::Test(name, _) => SUMMARY_NAMES.contains(&name.as_str()),
    }
}

/// Whether test `t` can be answered from typed values alone: texts and patterns see the
/// tree's wording (`74 bytes`), so they need the tree; the bytes a slice cuts do not.
pub(crate) fn typed(t: &Test) -> bool {
    match t {
        Test::Slice(..) => true,
        Test::Contains(_) | Test::Matches(_) => false,
        Test::Cmp(_, l) => !l.quoted,
        Test::In(items) => items.iter().all(|i| match i {
            SetItem::One(l) => !l.quoted,
            SetItem::Range(a, b) => !a.quoted && !b.quoted,
        }),
    }
}

impl Known<'_> {
    /// The answer of a test (or presence) from the summary, or `None` when it cannot say.
    pub(crate) fn leaf(&self, e: &Expr) -> Option<bool> {
        match e {
            Expr::Has(name) => self.has(name),
            Expr::Test(name, t) if is_protocol(name) => {
                let bytes = self.proto_bytes(name)?;
                Some(test_values(t, &mut |f| {
                    bytes.is_some_and(|b| f(Occ::Proto(b)))
                }))
            }
            Expr::Test(name, t) => {
                if !typed(t) {
                    return None;
                }
                let values = self.values(name)?;
                let values = values.as_slice();
                Some(test_values(t, &mut |f| {
                    values.iter().any(|v| f(Occ::Value(v)))
                }))
            }
            _ => None,
        }
    }
}

/// `e` answered by `leaf` for its tests, combined in three-valued logic; `None` when some
/// test that decides is unknown (the packet must be dissected).
pub(crate) fn eval(e: &Expr, leaf: &mut dyn FnMut(&Expr) -> Option<bool>) -> Option<bool> {
    match e {
        Expr::All => Some(true),
        Expr::And(v) => combine(v, leaf, false),
        Expr::Or(v) => combine(v, leaf, true),
        Expr::Not(x) => eval(x, leaf).map(|b| !b),
        Expr::Has(_) | Expr::Test(..) => leaf(e),
    }
}

/// `and` (`decisive` false) or `or` (`decisive` true) of `v` in three-valued logic: one
/// known `decisive` answer decides; otherwise an unknown one leaves the whole unknown.
fn combine(
    v: &[Expr],
    leaf: &mut dyn FnMut(&Expr) -> Option<bool>,
    decisive: bool,
) -> Option<bool> {
    let mut out = Some(!decisive);
    for x in v {
        match eval(x, leaf) {
            Some(b) if b == decisive => return Some(decisive),
            Some(_) => {}
            None => out = None,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::SUMMARY_NAMES;
    use crate::store::{PacketId, Store};

    /// Each name a filter may use without the analysis is one the filter knows, and the
    /// quick tier answers it on every packet of a sample (all described whole by their
    /// summaries) while the store holds no analysis at all; names it cannot answer so
    /// (`tcp.stream`, the records') need the analysis.
    #[test]
    fn summary_names_are_known_and_answered_before_any_analysis() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
        let cap = std::sync::Arc::new(crate::capture::Capture::open(&path).expect("sample"));
        let threads = crate::store::Threads::One;
        let (store, _) =
            Store::build_scoped(cap, (crate::analysis::Keep::Records, threads), |_, _| false);
        assert!(store.analysis.tcp.conversations.is_empty());
        for name in SUMMARY_NAMES {
            let f = crate::filter::parse(name).expect(name);
            assert!(f.without_analysis(), "{name}");
            let answered = (0..store.len() as u32)
                .filter(|&i| f.quick(&store, PacketId(i)).is_some())
                .count();
            assert_eq!(answered, store.len(), "{name}");
        }
        for text in [
            "tcp.stream == 1",
            "tcp.port == 80 && http",
            "websocket",
            "",
            "frame contains \"x\" || socketio",
        ] {
            let f = crate::filter::parse(text).expect(text);
            assert!(!f.without_analysis(), "{text}");
        }
    }
}
