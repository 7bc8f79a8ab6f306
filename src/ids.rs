//! Ids shared by the layers of the library: a packet's position and a flow's, as typed
//! numbers. They sit below `analysis` and `store`, which both use them, so neither imports
//! the other for them.

use serde::Serialize;

/// A packet's position in the capture (0-based; users see `index + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PacketId(pub u32);

impl PacketId {
    /// The number shown to people (1-based).
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A flow's position in the store's flow table ([`crate::store::FlowTable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FlowId(pub u32);
