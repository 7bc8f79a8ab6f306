//! The analysis in two halves that can run on two threads: the TCP half
//! (conversations, handshakes, roles, reassembly) hands what it reassembles to a
//! [`Queue`] of [`StreamEvent`]s, in order, and the upper half (HTTP, WebSocket,
//! Engine.IO, Socket.IO) applies them, keeping each conversation's parser state
//! ([`UpperStates`]). Nothing flows back from the upper half to the TCP half, so
//! running the TCP half over a batch of packets ahead of the upper half gives what
//! running both packet by packet gives.

use std::borrow::Cow;

use super::realtime::Realtime;
use super::realtime_feed::RealtimeFeed;
use super::tcp::{StreamSink, TcpAnalysis, TcpPass};
use super::upper::{Upper, UpperConv};
use super::{Analysis, AnalysisPass};
use crate::capture::Capture;
use crate::dissect::Summary;
use crate::ids::Direction;

/// What the TCP half hands on (see [`StreamSink`]); `'a`: the capture's bytes.
#[derive(Debug)]
pub enum StreamEvent<'a> {
    Data {
        conv: u32,
        dir: Direction,
        at: (u32, u32),
        bytes: Cow<'a, [u8]>,
    },
    Gap {
        conv: u32,
        dir: Direction,
        len: u64,
    },
    End {
        conv: u32,
    },
}

/// Stream events waiting for the upper half, in order.
#[derive(Debug, Default)]
pub struct Queue<'a> {
    pub events: Vec<StreamEvent<'a>>,
}

impl<'a> StreamSink<'a> for Queue<'a> {
    type Conv = ();

    fn data(
        &mut self,
        _: &mut (),
        conv: u32,
        dir: Direction,
        at: (u32, u32),
        bytes: Cow<'a, [u8]>,
    ) {
        self.events.push(StreamEvent::Data {
            conv,
            dir,
            at,
            bytes,
        });
    }

    fn gap(&mut self, _: &mut (), conv: u32, dir: Direction, len: u64) {
        self.events.push(StreamEvent::Gap { conv, dir, len });
    }

    fn end(&mut self, _: (), conv: u32) {
        self.events.push(StreamEvent::End { conv });
    }
}

/// The upper half's parser state of each conversation with streams open, by
/// conversation (ids are dense), dropped when its streams end.
#[derive(Default)]
pub struct UpperStates {
    convs: Vec<Option<Box<UpperConv>>>,
}

impl UpperStates {
    fn state(&mut self, conv: u32) -> &mut UpperConv {
        let at = conv as usize;
        if self.convs.len() <= at {
            self.convs.resize_with(at + 1, || None);
        }
        self.convs[at].get_or_insert_with(Box::default)
    }

    /// Apply `events` to `up`, in order.
    fn apply<'a>(&mut self, up: &mut Upper, events: impl Iterator<Item = StreamEvent<'a>>) {
        for e in events {
            match e {
                StreamEvent::Data {
                    conv,
                    dir,
                    at,
                    bytes,
                } => up.bytes(self.state(conv), conv, dir, at, &bytes),
                StreamEvent::Gap { conv, dir, len } => up.lost(self.state(conv), conv, dir, len),
                StreamEvent::End { conv } => {
                    let st = self
                        .convs
                        .get_mut(conv as usize)
                        .and_then(Option::take)
                        .map_or_else(UpperConv::default, |b| *b);
                    up.ended(st, conv);
                }
            }
        }
    }
}

/// The TCP half of an analysis pass.
pub struct TcpHalf<'s> {
    tcp: &'s mut TcpAnalysis,
    pass: &'s mut TcpPass<()>,
}

impl TcpHalf<'_> {
    /// Follow packet `i` (the next one), queueing what it reassembles.
    pub fn step<'a>(&mut self, capture: &'a Capture, packet: (usize, &Summary), q: &mut Queue<'a>) {
        self.pass.step(self.tcp, capture, packet, q);
    }

    /// Pass over packet `i` (the next one) without following it (see [`TcpPass::skip`]).
    pub fn skip(&mut self, i: usize) {
        self.pass.skip(self.tcp, i);
    }
}

/// The upper half of an analysis pass.
pub struct UpperHalf<'s> {
    upper: &'s mut Upper,
    states: &'s mut UpperStates,
}

impl UpperHalf<'_> {
    /// Apply (and empty) the queue, Engine.IO and Socket.IO included.
    pub fn apply(&mut self, q: &mut Queue<'_>) {
        self.states.apply(self.upper, q.events.drain(..));
        self.upper.feed_realtime();
    }

    /// Apply (and empty) the queue but for Engine.IO and Socket.IO, whose part is
    /// left in `rest` (which must be empty) to be applied, in order, to the
    /// [`Realtime`] taken out of this analysis ([`Analysis::take_realtime`]).
    pub fn apply_but_realtime(&mut self, q: &mut Queue<'_>, rest: &mut RealtimeFeed) {
        self.states.apply(self.upper, q.events.drain(..));
        std::mem::swap(&mut self.upper.feed, rest);
    }
}

impl Analysis {
    /// Engine.IO and Socket.IO, taken out to run on another thread, fed by
    /// [`UpperHalf::apply_but_realtime`]; put back with [`Self::put_realtime`].
    pub fn take_realtime(&mut self) -> Realtime {
        std::mem::take(&mut self.upper.realtime)
    }

    /// Put back what [`Self::take_realtime`] took, fed with everything since.
    pub fn put_realtime(&mut self, rt: Realtime) {
        self.upper.realtime = rt;
        self.upper.sync_engineio();
    }

    /// The two halves of this analysis and its pass, to run side by side.
    pub fn halves<'s>(&'s mut self, pass: &'s mut AnalysisPass) -> (TcpHalf<'s>, UpperHalf<'s>) {
        (
            TcpHalf {
                tcp: &mut self.tcp,
                pass: &mut pass.tcp,
            },
            UpperHalf {
                upper: &mut self.upper,
                states: &mut pass.upper,
            },
        )
    }
}
