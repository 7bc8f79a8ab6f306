//! The seven OSI layers, and where each decoded protocol sits among them.
//! ARCHITECTURE.md explains the mapping and where TCP/IP does not fit it neatly.

use serde::{Serialize, Serializer};

/// An OSI layer. Serialized as its number (1 to 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Osi {
    /// 1: the frame as captured (timestamps, lengths, interface).
    Physical = 1,
    /// 2: Ethernet, VLAN tags, Linux cooked headers, loopback headers, ARP.
    DataLink = 2,
    /// 3: IPv4, IPv6 and its extension headers, ICMP.
    Network = 3,
    /// 4: TCP, UDP.
    Transport = 4,
    /// 5: connection and session state (added by stream analysis).
    Session = 5,
    /// 6: encodings and transformations (masking, compression, UTF-8, JSON).
    Presentation = 6,
    /// 7: what the programs say (DNS, HTTP, WebSocket, Socket.IO, raw data).
    Application = 7,
}

impl Osi {
    pub const ALL: [Osi; 7] = [
        Osi::Physical,
        Osi::DataLink,
        Osi::Network,
        Osi::Transport,
        Osi::Session,
        Osi::Presentation,
        Osi::Application,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        match self {
            Osi::Physical => "Physical",
            Osi::DataLink => "Data link",
            Osi::Network => "Network",
            Osi::Transport => "Transport",
            Osi::Session => "Session",
            Osi::Presentation => "Presentation",
            Osi::Application => "Application",
        }
    }
}

impl Serialize for Osi {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order() {
        let nums: Vec<u8> = Osi::ALL.iter().map(|o| o.number()).collect();
        assert_eq!(nums, vec![1, 2, 3, 4, 5, 6, 7]);
        assert!(Osi::Network < Osi::Transport);
        assert_eq!(serde_json::to_string(&Osi::Session).unwrap(), "5");
        assert_eq!(Osi::DataLink.name(), "Data link");
    }
}
