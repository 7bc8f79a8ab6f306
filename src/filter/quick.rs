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

/// Which end of a flow a field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    Either,
    Src,
    Dst,
}

/// A name the quick tier answers, resolved once per filter ([`Plan`]): matching the
/// names as text for every packet was a fifth of the tier's instructions for
/// `tcp.port == 8080`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Name {
    Frame,
    FrameNumber,
    FrameLen,
    FrameTime,
    FrameTimeRelative,
    FrameTimeDelta,
    Eth,
    EthAddr(End),
    /// A protocol whose presence the summary holds (`tcp`, `udp`, `ip`, `ipv6`, `arp`, `dns`).
    Proto(Proto),
    /// `ip.addr`, `ip.src`, `ip.dst` (`Proto::Ipv4`) and `ipv6.*` (`Proto::Ipv6`).
    Addr(Proto, End),
    /// `tcp.port`, `tcp.srcport`, `tcp.dstport` (`Proto::Tcp`) and `udp.*` (`Proto::Udp`).
    Port(Proto, End),
    TcpLen,
    TcpFlags,
    TcpFlag(u16),
    TcpStream,
}

impl Name {
    /// The quick tier's name for `name`, if it answers it at all.
    pub(crate) fn resolve(name: &str) -> Option<Name> {
        let end = |field: &str, [either, src, dst]: [&str; 3]| {
            [(either, End::Either), (src, End::Src), (dst, End::Dst)]
                .into_iter()
                .find(|(n, _)| *n == field)
                .map(|(_, e)| e)
        };
        let addr = ["addr", "src", "dst"];
        let port = ["port", "srcport", "dstport"];
        Some(match name {
            "frame" => Name::Frame,
            "frame.number" => Name::FrameNumber,
            "frame.len" => Name::FrameLen,
            "frame.time" | "frame.time_epoch" => Name::FrameTime,
            "frame.time_relative" => Name::FrameTimeRelative,
            "frame.time_delta" => Name::FrameTimeDelta,
            "eth" => Name::Eth,
            "tcp" => Name::Proto(Proto::Tcp),
            "udp" => Name::Proto(Proto::Udp),
            "ip" => Name::Proto(Proto::Ipv4),
            "ipv6" => Name::Proto(Proto::Ipv6),
            "arp" => Name::Proto(Proto::Arp),
            "dns" => Name::Proto(Proto::Dns),
            "tcp.len" => Name::TcpLen,
            "tcp.flags" => Name::TcpFlags,
            "tcp.flags.res" => Name::TcpFlag(0x0e00),
            "tcp.flags.ae" => Name::TcpFlag(tcp_flags::AE),
            "tcp.flags.cwr" => Name::TcpFlag(tcp_flags::CWR),
            "tcp.flags.ece" => Name::TcpFlag(tcp_flags::ECE),
            "tcp.flags.urg" => Name::TcpFlag(tcp_flags::URG),
            "tcp.flags.ack" => Name::TcpFlag(tcp_flags::ACK),
            "tcp.flags.push" => Name::TcpFlag(tcp_flags::PSH),
            "tcp.flags.reset" => Name::TcpFlag(tcp_flags::RST),
            "tcp.flags.syn" => Name::TcpFlag(tcp_flags::SYN),
            "tcp.flags.fin" => Name::TcpFlag(tcp_flags::FIN),
            "tcp.stream" => Name::TcpStream,
            _ => {
                let (family, field) = name.split_once('.')?;
                match family {
                    "eth" => Name::EthAddr(end(field, addr)?),
                    "ip" => Name::Addr(Proto::Ipv4, end(field, addr)?),
                    "ipv6" => Name::Addr(Proto::Ipv6, end(field, addr)?),
                    "tcp" => Name::Port(Proto::Tcp, end(field, port)?),
                    "udp" => Name::Port(Proto::Udp, end(field, port)?),
                    _ => return None,
                }
            }
        })
    }
}

/// A leaf of a filter as the quick tier sees it: the name it answers (none: it never
/// does), and whether the name is a protocol's (a test on it reads the protocol's bytes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leaf {
    name: Option<Name>,
    protocol: bool,
}

/// A filter's expression with its names resolved once ([`Name`]), node for node the
/// shape of the expression ([`eval`] walks both together).
#[derive(Clone, Debug)]
pub(crate) enum Plan {
    All,
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
    Leaf(Leaf),
}

impl Plan {
    pub(crate) fn of(e: &Expr) -> Plan {
        match e {
            Expr::All => Plan::All,
            Expr::And(v) => Plan::And(v.iter().map(Plan::of).collect()),
            Expr::Or(v) => Plan::Or(v.iter().map(Plan::of).collect()),
            Expr::Not(x) => Plan::Not(Box::new(Plan::of(x))),
            Expr::Has(name) | Expr::Test(name, _) => Plan::Leaf(Leaf {
                name: Name::resolve(name),
                protocol: is_protocol(name),
            }),
        }
    }
}

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
    fn values(&self, name: Name) -> Option<Vals> {
        if let Some(v) = self.frame_values(name) {
            return v;
        }
        if !self.plain() {
            return None;
        }
        let s = self.summary;
        let tcp = s.protos.contains(Proto::Tcp);
        Some(match name {
            Name::Port(proto, end) => {
                let ports = self.ends.as_ref().map_or(Vals::none(), |e| match end {
                    End::Either => Vals::two(e.sport.into(), e.dport.into()),
                    End::Src => Vals::one(e.sport.into()),
                    End::Dst => Vals::one(e.dport.into()),
                });
                Vals::when(s.protos.contains(proto), ports)
            }
            Name::TcpLen => Vals::when(tcp, Vals::one(s.payload_len.into())),
            Name::TcpFlags => Vals::when(tcp, Vals::one(s.tcp_flags.into())),
            Name::TcpFlag(bit) => Vals::when(tcp, Vals::one(Value::Bool(s.tcp_flags & bit != 0))),
            Name::TcpStream => match self.stream() {
                Some(c) if tcp => Vals::one(c.into()),
                _ => Vals::none(),
            },
            Name::EthAddr(end) => self.eth(end)?,
            Name::Addr(proto, end) => return self.addresses(proto, end),
            _ => return None,
        })
    }

    /// `frame.*` from the index record: known for every packet.
    fn frame_values(&self, name: Name) -> Option<Option<Vals>> {
        let ts = |f: &dyn Fn(&PacketRecord) -> Value| Some(self.record().map(|r| Vals::one(f(r))));
        match name {
            Name::FrameNumber => Some(Some(Vals::one(self.id.number().into()))),
            Name::FrameLen => ts(&|r| r.origlen.into()),
            Name::FrameTime => ts(&|r| Value::Time(r.ts_ns)),
            Name::FrameTimeRelative => ts(&|r| Value::Duration(r.ts_ns - self.store.first_ts_ns())),
            Name::FrameTimeDelta => ts(&|r| {
                let prev = self.store.prev_ts_ns(self.id);
                Value::Duration(r.ts_ns - prev.unwrap_or(r.ts_ns))
            }),
            _ => None,
        }
    }

    /// `ip.*` (`Proto::Ipv4`) and `ipv6.*` addresses from the flow's endpoints.
    fn addresses(&self, proto: Proto, end: End) -> Option<Vals> {
        let here = self.summary.protos.contains(proto);
        if !here {
            return Some(Vals::none());
        }
        // Without a flow (no transport the flow table keys on) the summary does not hold
        // the addresses.
        let e = self.ends.as_ref()?;
        Some(match end {
            End::Src => Vals::one(ip(e.src)),
            End::Dst => Vals::one(ip(e.dst)),
            End::Either => Vals::two(ip(e.src), ip(e.dst)),
        })
    }

    /// The Ethernet addresses of a frame whose link type is Ethernet (read from its first
    /// twelve bytes); `None` for other link types, which may carry Ethernet further in.
    fn eth(&self, end: End) -> Option<Vals> {
        if self.link_type() != LinkType::ETHERNET {
            return None;
        }
        let data = self.data();
        if !self.summary.protos.contains(Proto::Eth) || data.len() < 12 {
            return Some(Vals::none());
        }
        let (dst, src) = (mac(&data[0..6]), mac(&data[6..12]));
        Some(match end {
            End::Src => Vals::one(src),
            End::Dst => Vals::one(dst),
            End::Either => Vals::two(dst, src),
        })
    }

    /// The bytes of protocol `name` as the tree has them (see [`super::eval::layer_bytes`]):
    /// the captured frame for `frame` (and `eth` on Ethernet), and the IP packet or TCP or
    /// UDP segment of a packet whose headers the summary describes, found by slicing it
    /// again; `Some(None)` when the packet has no such layer, `None` when it cannot say.
    fn proto_bytes(&self, name: Name) -> Option<Option<&[u8]>> {
        let p = self.summary.protos;
        let data = self.data();
        let whole = Some(Some(data));
        match name {
            Name::Frame => whole,
            Name::Eth if self.link_type() == LinkType::ETHERNET => {
                if p.contains(Proto::Eth) {
                    whole
                } else {
                    Some(None)
                }
            }
            Name::Proto(proto @ (Proto::Ipv4 | Proto::Ipv6 | Proto::Tcp | Proto::Udp))
                if self.plain() =>
            {
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
    fn has(&self, name: Name) -> Option<bool> {
        if name == Name::Frame {
            return Some(true);
        }
        if let Some(v) = self.frame_values(name) {
            return v.map(|v| v.n > 0);
        }
        if name == Name::Eth && self.link_type() == LinkType::ETHERNET {
            return Some(self.summary.protos.contains(Proto::Eth));
        }
        if !self.plain() {
            return None;
        }
        match name {
            Name::Proto(p) => Some(self.summary.protos.contains(p)),
            _ => self.values(name).map(|v| v.n > 0),
        }
    }
}

/// Whether every test of `e` names only what a packet's summary, flow and index record
/// say alone, never the analysis: the names [`Known`] answers ([`Name::resolve`]) but
/// `tcp.stream`. Such a filter picks its packets before anything is analysed
/// (`Store::build_scoped`). Where the summary cannot say (a packet it does not describe
/// whole), the packet's own tree answers, which for these names is the same.
pub(crate) fn without_analysis(e: &Expr) -> bool {
    match e {
        Expr::All => true,
        Expr::And(v) | Expr::Or(v) => v.iter().all(without_analysis),
        Expr::Not(x) => without_analysis(x),
        Expr::Has(name) | Expr::Test(name, _) => {
            Name::resolve(name).is_some_and(|n| n != Name::TcpStream)
        }
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
    /// The answer of a test (or presence) `e`, resolved as `leaf`, from the summary, or
    /// `None` when it cannot say.
    pub(crate) fn leaf(&self, e: &Expr, leaf: Leaf) -> Option<bool> {
        let name = leaf.name?;
        match e {
            Expr::Has(_) => self.has(name),
            Expr::Test(_, t) if leaf.protocol => {
                let bytes = self.proto_bytes(name)?;
                Some(test_values(t, &mut |f| {
                    bytes.is_some_and(|b| f(Occ::Proto(b)))
                }))
            }
            Expr::Test(_, t) => {
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

/// `e` answered by `leaf` for its tests (each with its resolved name from `plan`, the
/// plan of `e`), combined in three-valued logic; `None` when some test that decides is
/// unknown (the packet must be dissected).
pub(crate) fn eval(
    e: &Expr,
    plan: &Plan,
    leaf: &mut dyn FnMut(&Expr, Leaf) -> Option<bool>,
) -> Option<bool> {
    match (e, plan) {
        (Expr::All, _) => Some(true),
        (Expr::And(v), Plan::And(p)) => combine((v, p), leaf, false),
        (Expr::Or(v), Plan::Or(p)) => combine((v, p), leaf, true),
        (Expr::Not(x), Plan::Not(p)) => eval(x, p, leaf).map(|b| !b),
        (Expr::Has(_) | Expr::Test(..), Plan::Leaf(l)) => leaf(e, *l),
        // A plan has the shape of the expression it was made from: not reached.
        _ => None,
    }
}

/// `and` (`decisive` false) or `or` (`decisive` true) of `v` in three-valued logic: one
/// known `decisive` answer decides; otherwise an unknown one leaves the whole unknown.
fn combine(
    (v, plan): (&[Expr], &[Plan]),
    leaf: &mut dyn FnMut(&Expr, Leaf) -> Option<bool>,
    decisive: bool,
) -> Option<bool> {
    let mut out = Some(!decisive);
    for (x, p) in v.iter().zip(plan) {
        match eval(x, p, leaf) {
            Some(b) if b == decisive => return Some(decisive),
            Some(_) => {}
            None => out = None,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::store::{PacketId, Store};

    /// Every name the summary tier answers before any analysis (see `without_analysis`).
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
