//! Close frames (RFC 6455 §5.5.1) and status codes (RFC 6455 §7.4, IANA
//! "WebSocket Close Code Number Registry").

/// The registered name of a close code.
pub fn close_code_name(code: u16) -> Option<&'static str> {
    // RFC 6455 §7.4.1 "Defined Status Codes", and §11.7 / IANA for 1012-1015.
    Some(match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol Error",
        1003 => "Unsupported Data",
        1004 => "Reserved",
        1005 => "No Status Rcvd",
        1006 => "Abnormal Closure",
        1007 => "Invalid frame payload data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Ext.",
        1011 => "Internal Error",
        1012 => "Service Restart",
        1013 => "Try Again Later",
        1014 => "Bad Gateway",
        1015 => "TLS handshake",
        _ => return None,
    })
}

/// Whether `code` may appear in a close frame on the wire.
///
/// RFC 6455 §7.4.1: 1004 is reserved; 1005, 1006 and 1015 "MUST NOT be set as a
/// status code in a Close control frame by an endpoint". §7.4.2: 0-999 are not
/// used; 1000-2999 are for this protocol and its extensions (only the
/// registered ones are meaningful); 3000-3999 registered with IANA by
/// libraries and frameworks; 4000-4999 private use; the rest is undefined.
pub fn close_code_valid(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Which range of §7.4.2 the code is in, for display.
pub fn close_code_range(code: u16) -> &'static str {
    match code {
        0..=999 => "unused",
        1000..=2999 => "protocol",
        3000..=3999 => "registered by libraries/frameworks",
        4000..=4999 => "private use",
        _ => "undefined",
    }
}

/// A decoded close frame body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseBody {
    /// No status code (RFC 6455 §7.1.5: "1005" is then reported locally).
    Empty,
    /// A single byte: invalid (§5.5.1 requires 0 or at least 2 bytes).
    OneByte(u8),
    /// A 2-byte code and the reason (lossily decoded), with whether the reason
    /// is valid UTF-8.
    Code {
        code: u16,
        reason: String,
        utf8_valid: bool,
    },
}

/// RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST
/// be a 2-byte unsigned integer (in network byte order) representing a status
/// code ... Following the 2-byte integer, the body MAY contain UTF-8-encoded
/// data with value /reason/".
pub fn parse_close(payload: &[u8]) -> CloseBody {
    match payload {
        [] => CloseBody::Empty,
        [b] => CloseBody::OneByte(*b),
        [hi, lo, reason @ ..] => CloseBody::Code {
            code: u16::from_be_bytes([*hi, *lo]),
            reason: String::from_utf8_lossy(reason).into_owned(),
            utf8_valid: std::str::from_utf8(reason).is_ok(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(close_code_name(1000), Some("Normal Closure"));
        assert_eq!(close_code_name(1001), Some("Going Away"));
        assert_eq!(close_code_name(1002), Some("Protocol Error"));
        assert_eq!(close_code_name(1003), Some("Unsupported Data"));
        assert_eq!(close_code_name(1005), Some("No Status Rcvd"));
        assert_eq!(close_code_name(1006), Some("Abnormal Closure"));
        assert_eq!(close_code_name(1007), Some("Invalid frame payload data"));
        assert_eq!(close_code_name(1008), Some("Policy Violation"));
        assert_eq!(close_code_name(1009), Some("Message Too Big"));
        assert_eq!(close_code_name(1010), Some("Mandatory Ext."));
        assert_eq!(close_code_name(1011), Some("Internal Error"));
        assert_eq!(close_code_name(1012), Some("Service Restart"));
        assert_eq!(close_code_name(1013), Some("Try Again Later"));
        assert_eq!(close_code_name(1014), Some("Bad Gateway"));
        assert_eq!(close_code_name(1015), Some("TLS handshake"));
        assert_eq!(close_code_name(1016), None);
        assert_eq!(close_code_name(3000), None);
        assert_eq!(close_code_range(3500), "registered by libraries/frameworks");
        assert_eq!(close_code_range(4000), "private use");
        assert_eq!(close_code_range(5000), "undefined");
    }

    #[test]
    fn validity() {
        let valid: Vec<u16> = (0..=u16::MAX).filter(|&c| close_code_valid(c)).collect();
        assert_eq!(valid.len(), 4 + 8 + 2000);
        for c in [
            1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999,
        ] {
            assert!(close_code_valid(c), "{c}");
        }
        for c in [
            0,
            999,
            1004,
            1005,
            1006,
            1015,
            1016,
            2000,
            2999,
            5000,
            u16::MAX,
        ] {
            assert!(!close_code_valid(c), "{c}");
        }
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_close(&[]), CloseBody::Empty);
        assert_eq!(parse_close(&[0x03]), CloseBody::OneByte(3));
        assert_eq!(
            parse_close(&[0x03, 0xE8]),
            CloseBody::Code {
                code: 1000,
                reason: String::new(),
                utf8_valid: true
            }
        );
        assert_eq!(
            parse_close(b"\x03\xe9bye \xc3\xa9"),
            CloseBody::Code {
                code: 1001,
                reason: "bye é".into(),
                utf8_valid: true
            }
        );
        assert_eq!(
            parse_close(b"\x03\xeax\xff"),
            CloseBody::Code {
                code: 1002,
                reason: "x\u{FFFD}".into(),
                utf8_valid: false
            }
        );
    }
}
