//! The first tier of a filter: tests answered from a packet's compact summary, its flow's
//! endpoints and its index record, with no dissection (issue 10's "summary tier"). A test
//! the summary cannot answer exactly says so (`None`) and the packet is dissected; `and`,
//! `or` and `not` combine known and unknown answers in three-valued logic, so
//! `tcp.port == 8080 && websocket.opcode == 1` dissects only the packets on port 8080.
//!
//! The answers are the tree's answers: each value is given as the text the field tree shows
//! for it and compared by the same [`Value`] rules, and only for packets whose summary
//! describes their headers completely (no ICMP error quoting inner headers, no cut or
//! incomplete header, no tunnel of one IP version in the other). A test compares, for every
//! sample and every corpus file, every packet's quick answer with its dissected one.

use crate::capture::PacketRecord;
use crate::dissect::{anomaly, tcp_flags, Endpoints, Proto, Summary};
use crate::store::PacketId;

use super::eval::test_values;
use super::parser::{Expr, Test};

/// What the quick tier knows of one packet.
pub(crate) struct Known<'a> {
    pub id: PacketId,
    pub summary: &'a Summary,
    pub record: Option<&'a PacketRecord>,
    /// The packet's flow endpoints, oriented as this packet travels (source first).
    pub ends: Option<Endpoints>,
    /// Its TCP conversation (`tcp.stream`), if the analysis gave it one.
    pub stream: Option<u32>,
}

/// Anomalies that leave the summary's view of the headers whole.
const HARMLESS: u16 = anomaly::BAD_IPV4_CHECKSUM | anomaly::TCP_BAD_FLAGS;

impl Known<'_> {
    /// The summary describes the packet's headers completely.
    fn plain(&self) -> bool {
        let p = self.summary.protos;
        let quoting = p.contains(Proto::Icmp) || p.contains(Proto::Icmpv6);
        let tunnel = p.contains(Proto::Ipv4) && p.contains(Proto::Ipv6);
        self.summary.anomalies & !HARMLESS == 0 && !quoting && !tunnel
    }

    /// The texts the tree shows for `name` on this packet (empty: the field is absent), or
    /// `None` when the summary cannot say.
    fn values(&self, name: &str) -> Option<Vec<String>> {
        if !self.plain() {
            return None;
        }
        let s = self.summary;
        let tcp = s.protos.contains(Proto::Tcp);
        let udp = s.protos.contains(Proto::Udp);
        let ends = |pick: &dyn Fn(&Endpoints) -> Vec<String>| -> Option<Vec<String>> {
            Some(self.ends.as_ref().map(pick).unwrap_or_default())
        };
        let when = |cond: bool, v: Option<Vec<String>>| if cond { v } else { Some(Vec::new()) };
        let port = |e: &Endpoints| vec![e.sport.to_string(), e.dport.to_string()];
        let flag = |bit: u16| {
            let on = s.tcp_flags & bit != 0;
            when(
                tcp,
                Some(vec![(if on { "Set" } else { "Not set" }).to_string()]),
            )
        };
        match name {
            "frame.number" => Some(vec![self.id.number().to_string()]),
            "frame.len" => self.record.map(|r| vec![r.origlen.to_string()]),
            "tcp.port" => when(tcp, ends(&port)),
            "tcp.srcport" => when(tcp, ends(&|e| vec![e.sport.to_string()])),
            "tcp.dstport" => when(tcp, ends(&|e| vec![e.dport.to_string()])),
            "udp.port" => when(udp, ends(&port)),
            "udp.srcport" => when(udp, ends(&|e| vec![e.sport.to_string()])),
            "udp.dstport" => when(udp, ends(&|e| vec![e.dport.to_string()])),
            "tcp.len" => when(tcp, Some(vec![s.payload_len.to_string()])),
            "tcp.flags.syn" => flag(tcp_flags::SYN),
            "tcp.flags.ack" => flag(tcp_flags::ACK),
            "tcp.flags.fin" => flag(tcp_flags::FIN),
            "tcp.flags.reset" => flag(tcp_flags::RST),
            "tcp.flags.push" => flag(tcp_flags::PSH),
            "tcp.flags.urg" => flag(tcp_flags::URG),
            "tcp.stream" => when(tcp, Some(self.stream.iter().map(u32::to_string).collect())),
            "ip.addr" | "ip.src" | "ip.dst" | "ipv6.addr" | "ipv6.src" | "ipv6.dst" => {
                let (family, field) = name.split_once('.').unwrap_or((name, ""));
                let proto = if family == "ip" {
                    Proto::Ipv4
                } else {
                    Proto::Ipv6
                };
                let here = s.protos.contains(proto);
                // Without a flow (no transport the flow table keys on) the summary
                // does not hold the addresses.
                if here && self.ends.is_none() {
                    return None;
                }
                when(
                    here,
                    ends(&|e| match field {
                        "src" => vec![e.src.to_string()],
                        "dst" => vec![e.dst.to_string()],
                        _ => vec![e.src.to_string(), e.dst.to_string()],
                    }),
                )
            }
            _ => None,
        }
    }

    /// Whether a protocol is present, for the names the summary knows.
    fn has(&self, name: &str) -> Option<bool> {
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
            "frame" => true,
            _ => return self.values(name).map(|v| !v.is_empty()),
        })
    }
}

/// `e` answered from what is known, or `None` when the packet must be dissected.
pub(crate) fn eval(e: &Expr, k: &Known<'_>) -> Option<bool> {
    match e {
        Expr::All => Some(true),
        Expr::And(v) => combine(v, k, false),
        Expr::Or(v) => combine(v, k, true),
        Expr::Not(x) => eval(x, k).map(|b| !b),
        Expr::Has(name) => k.has(name),
        Expr::Test(name, t) => {
            // Texts and patterns see the tree's exact wording ("74 bytes"): dissect.
            let exact = match t {
                Test::Contains(_) | Test::Matches(_) => false,
                Test::Cmp(_, l) => !l.quoted,
                Test::In(items) => items.iter().all(|i| match i {
                    super::parser::SetItem::One(l) => !l.quoted,
                    super::parser::SetItem::Range(a, b) => !a.quoted && !b.quoted,
                }),
            };
            if !exact {
                return None;
            }
            let values = k.values(name)?;
            Some(test_values(t, &mut |f| values.iter().any(|v| f(v))))
        }
    }
}

/// `and` (`decisive` false) or `or` (`decisive` true) of `v` in three-valued logic: one
/// known `decisive` answer decides; otherwise an unknown one leaves the whole unknown.
fn combine(v: &[Expr], k: &Known<'_>, decisive: bool) -> Option<bool> {
    let mut out = Some(!decisive);
    for x in v {
        match eval(x, k) {
            Some(b) if b == decisive => return Some(decisive),
            Some(_) => {}
            None => out = None,
        }
    }
    out
}
