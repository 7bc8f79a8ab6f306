//! The flow table: one entry per 5-tuple (both directions together), holding
//! the addresses once instead of per packet.

use std::hash::BuildHasher;
use std::net::IpAddr;

use super::FlowId;
use crate::dissect::{tcp_flags, Endpoints, Summary};
use crate::ids::FlowSide;

/// One flow: all packets between two endpoints over one IP protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Endpoints as the first packet of the flow saw them (`src` = who spoke first).
    pub key: Endpoints,
    pub first_packet: u32,
    pub last_packet: u32,
    pub packets: u32,
    /// TCP: the sequence-number base of each direction (0 = from `key.src`),
    /// the SYN's sequence number, or one less than the first seen.
    pub isn: [Option<u32>; 2],
}

type Side = (IpAddr, u16);

/// Both directions of a 5-tuple map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CanonKey {
    proto: u8,
    lo: Side,
    hi: Side,
}

/// Whether packet endpoints `ep` belong to the flow first seen as `k`, either way.
fn same_flow(k: &Endpoints, ep: &Endpoints) -> bool {
    k.proto == ep.proto
        && ((k.sport == ep.sport && k.dport == ep.dport && k.src == ep.src && k.dst == ep.dst)
            || (k.sport == ep.dport && k.dport == ep.sport && k.src == ep.dst && k.dst == ep.src))
}

impl CanonKey {
    fn of(ep: &Endpoints) -> CanonKey {
        let a = (ep.src, ep.sport);
        let b = (ep.dst, ep.dport);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        CanonKey {
            proto: ep.proto,
            lo,
            hi,
        }
    }
}

#[derive(Default)]
pub struct FlowTable {
    /// Flow ids hashed by their canonical key, which lives once, in the flow
    /// (4 bytes an entry instead of a copy of the key).
    index: hashbrown::HashTable<u32>,
    /// Seeded at random per table: the keys are whatever the packets say (Cargo.toml).
    hasher: foldhash::fast::RandomState,
    flows: Vec<Flow>,
    /// The flow of the last packet assigned.
    last: u32,
}

impl FlowTable {
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    pub fn get(&self, id: FlowId) -> Option<&Flow> {
        self.flows.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FlowId, &Flow)> {
        self.flows
            .iter()
            .enumerate()
            .map(|(i, f)| (FlowId(i as u32), f))
    }

    /// Put packet `index` into its flow, setting `sum.flow` and `sum.dir`.
    pub fn assign(&mut self, sum: &mut Summary, ep: &Endpoints, index: u32) {
        let id = match self.flows.get(self.last as usize) {
            // A packet often follows one of its own flow: no hashing then.
            Some(f) if same_flow(&f.key, ep) => self.last,
            _ => self.lookup(ep, index),
        };
        self.last = id;
        let flow = &mut self.flows[id as usize];
        flow.packets += 1;
        flow.last_packet = index;
        let dir = FlowSide::of(!(flow.key.src == ep.src && flow.key.sport == ep.sport));
        sum.flow = id;
        sum.dir = dir;
        if ep.proto == 6 && sum.protos.contains(crate::dissect::Proto::Tcp) {
            note_isn(flow, dir, sum);
        }
    }

    /// The flow of `ep`, a new one (first seen at packet `index`) if there is none.
    fn lookup(&mut self, ep: &Endpoints, index: u32) -> u32 {
        let hash = self.hasher.hash_one(CanonKey::of(ep));
        let next = self.flows.len() as u32;
        let flows = &self.flows;
        let hasher = &self.hasher;
        let id = *self
            .index
            .entry(
                hash,
                |&id| same_flow(&flows[id as usize].key, ep),
                |&id| hasher.hash_one(CanonKey::of(&flows[id as usize].key)),
            )
            .or_insert(next)
            .get();
        if id == next {
            self.flows.push(Flow {
                key: *ep,
                first_packet: index,
                last_packet: index,
                packets: 0,
                isn: [None, None],
            });
        }
        id
    }
}

/// Wireshark's relative sequence numbers: the base of a direction is its SYN's
/// sequence number, or one less than the first sequence number seen, so that
/// a capture joined mid-stream starts at 1. A packet that acknowledges
/// before the other direction was seen sets that direction's base the same way.
fn note_isn(flow: &mut Flow, dir: FlowSide, sum: &Summary) {
    if flow.isn[dir.index()].is_none() {
        let syn = sum.tcp_flags & tcp_flags::SYN != 0;
        flow.isn[dir.index()] = Some(if syn {
            sum.seq
        } else {
            sum.seq.wrapping_sub(1)
        });
    }
    let other = dir.reverse().index();
    if flow.isn[other].is_none() && sum.tcp_flags & tcp_flags::ACK != 0 {
        flow.isn[other] = Some(sum.ack.wrapping_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::{Proto, ProtoSet};

    fn tcp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Endpoints {
        Endpoints {
            proto: 6,
            src: src.into(),
            dst: dst.into(),
            sport,
            dport,
        }
    }

    fn seg(flags: u16, seq: u32, ack: u32) -> Summary {
        let mut protos = ProtoSet::default();
        protos.insert(Proto::Tcp);
        Summary {
            protos,
            tcp_flags: flags,
            seq,
            ack,
            ..Summary::default()
        }
    }

    #[test]
    fn both_directions_share_a_flow_and_bases_follow_the_handshake() {
        use tcp_flags::*;
        let mut t = FlowTable::default();
        let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let mut syn = seg(SYN, 1000, 0);
        t.assign(&mut syn, &tcp(c, 5000, s, 80), 0);
        let mut synack = seg(SYN | ACK, 9000, 1001);
        t.assign(&mut synack, &tcp(s, 80, c, 5000), 1);
        let mut other = seg(SYN, 1, 0);
        t.assign(&mut other, &tcp(c, 5001, s, 80), 2);
        assert_eq!((syn.flow, syn.dir), (0, FlowSide::AsKey));
        assert_eq!((synack.flow, synack.dir), (0, FlowSide::Reversed));
        assert_eq!(other.flow, 1);
        let f = t.get(FlowId(0)).unwrap();
        assert_eq!(f.isn, [Some(1000), Some(9000)]);
        assert_eq!(f.packets, 2);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn mid_stream_bases_start_at_one() {
        let mut t = FlowTable::default();
        let mut s = seg(tcp_flags::ACK | tcp_flags::PSH, 500, 7000);
        t.assign(&mut s, &tcp([1, 1, 1, 1], 1, [2, 2, 2, 2], 2), 0);
        assert_eq!(t.get(FlowId(0)).unwrap().isn, [Some(499), Some(6999)]);
    }
}
