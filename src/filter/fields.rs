//! The names a filter may use: every field and protocol name the library emits,
//! plus the two-sided aliases (`ip.addr`, `tcp.port`, ...), with a description.

/// `(name, description)`, sorted by name (byte order).
pub(super) static KNOWN: &[(&str, &str)] = &[
    ("ah", "Authentication Header"),
    ("ah.next_header", "Next header"),
    ("arp", "Address Resolution Protocol"),
    ("arp.dst.hw_mac", "Target MAC address"),
    ("arp.dst.proto_ipv4", "Target IP address"),
    ("arp.hw.size", "Hardware size"),
    ("arp.hw.type", "Hardware type"),
    ("arp.opcode", "Opcode"),
    ("arp.proto.size", "Protocol size"),
    ("arp.proto.type", "Protocol type"),
    ("arp.src.hw_mac", "Sender MAC address"),
    ("arp.src.proto_ipv4", "Sender IP address"),
    ("data", "Undecoded payload bytes"),
    ("data.data", "Data"),
    ("data.len", "Length"),
    ("dns", "Domain Name System"),
    ("dns.a", "Address"),
    ("dns.aaaa", "AAAA Address"),
    ("dns.additionals", "Additional records"),
    ("dns.answers", "Answers"),
    ("dns.authorities", "Authoritative nameservers"),
    ("dns.cname", "CNAME"),
    ("dns.count.add_rr", "Additional RRs"),
    ("dns.count.answers", "Answer RRs"),
    ("dns.count.auth_rr", "Authority RRs"),
    ("dns.count.labels", "Label Count"),
    ("dns.count.queries", "Questions"),
    ("dns.data", "Data"),
    ("dns.flags", "Flags"),
    ("dns.flags.authenticated", "Answer authenticated"),
    ("dns.flags.authoritative", "Authoritative"),
    ("dns.flags.checkdisable", "Non-authenticated data"),
    ("dns.flags.opcode", "Opcode"),
    ("dns.flags.rcode", "Reply code"),
    ("dns.flags.recavail", "Recursion available"),
    ("dns.flags.recdesired", "Recursion desired"),
    ("dns.flags.response", "Response"),
    ("dns.flags.truncated", "Truncated"),
    ("dns.flags.z", "Z"),
    ("dns.id", "Transaction ID"),
    ("dns.mx.mail_exchange", "Mail Exchange"),
    ("dns.mx.preference", "Preference"),
    ("dns.ns", "Name Server"),
    ("dns.opt", "Option"),
    ("dns.ptr.domain_name", "Domain Name"),
    ("dns.qry.class", "Class"),
    ("dns.qry.name", "Name"),
    ("dns.qry.name.len", "Name Length"),
    ("dns.qry.type", "Type"),
    ("dns.queries", "Queries"),
    ("dns.resp.class", "Class"),
    ("dns.resp.edns0_version", "EDNS0 version"),
    ("dns.resp.ext_rcode", "Higher bits in extended RCODE"),
    ("dns.resp.len", "Data length"),
    ("dns.resp.name", "Name"),
    ("dns.resp.ttl", "Time to live"),
    ("dns.resp.type", "Type"),
    ("dns.resp.z", "Z"),
    ("dns.resp.z.do", "DO bit"),
    ("dns.rr.udp_payload_size", "UDP payload size"),
    ("dns.soa.expire_limit", "Expire limit"),
    ("dns.soa.minimum_ttl", "Minimum TTL"),
    ("dns.soa.mname", "Primary name server"),
    ("dns.soa.refresh_interval", "Refresh Interval"),
    ("dns.soa.retry_interval", "Retry Interval"),
    ("dns.soa.rname", "Responsible authority's mailbox"),
    ("dns.soa.serial_number", "Serial Number"),
    ("dns.srv.port", "Port"),
    ("dns.srv.priority", "Priority"),
    ("dns.srv.target", "Target"),
    ("dns.srv.weight", "Weight"),
    ("dns.txt", "TXT"),
    ("dns.txt.length", "TXT Length"),
    ("engineio", "Engine.IO packet"),
    ("engineio.binary", "Binary data"),
    ("engineio.conversations", "TCP streams carrying it"),
    ("engineio.data", "Data"),
    ("engineio.health", "Health"),
    ("engineio.open.max_payload", "maxPayload"),
    ("engineio.open.ping_interval", "pingInterval"),
    ("engineio.open.ping_timeout", "pingTimeout"),
    ("engineio.open.sid", "sid"),
    ("engineio.open.upgrades", "upgrades"),
    ("engineio.packets", "Packets in the session"),
    ("engineio.ping", "Ping interval / timeout"),
    ("engineio.probe", "Upgrade probe"),
    ("engineio.session", "Engine.IO session"),
    ("engineio.sid", "Session id"),
    ("engineio.transport", "Transport"),
    ("engineio.type", "Packet type"),
    ("engineio.version", "Protocol version"),
    ("eth", "Ethernet II"),
    ("eth.addr", "Source or destination MAC address"),
    ("eth.dst", "Destination"),
    ("eth.src", "Source"),
    ("eth.type", "Type"),
    ("frame", "Frame (length, times, interface)"),
    ("frame.cap_len", "Capture Length"),
    ("frame.comment", "Comment"),
    ("frame.encap_type", "Link type"),
    ("frame.interface_id", "Interface id"),
    ("frame.len", "Frame Length"),
    ("frame.number", "Frame Number"),
    ("frame.time", "Arrival Time"),
    ("frame.time_epoch", "Epoch Arrival Time"),
    ("frame.time_relative", "Time since reference or first frame"),
    ("http", "Hypertext Transfer Protocol"),
    ("http.connection", "Header: Connection"),
    ("http.content_length", "Body length"),
    ("http.content_length_header", "Header: Content-Length"),
    ("http.content_type", "Header: Content-Type"),
    ("http.header", "Other header"),
    ("http.host", "Header: Host"),
    ("http.request.method", "Request Method"),
    ("http.request.uri", "Request URI"),
    ("http.request.version", "Request Version"),
    ("http.request_in", "Request in frame"),
    ("http.response.code", "Status Code"),
    ("http.response.phrase", "Response Phrase"),
    ("http.response.version", "Response Version"),
    ("http.response_in", "Response in frame"),
    ("http.sec_websocket_accept", "Header: Sec-WebSocket-Accept"),
    (
        "http.sec_websocket_extensions",
        "Header: Sec-WebSocket-Extensions",
    ),
    ("http.sec_websocket_key", "Header: Sec-WebSocket-Key"),
    (
        "http.sec_websocket_protocol",
        "Header: Sec-WebSocket-Protocol",
    ),
    (
        "http.sec_websocket_version",
        "Header: Sec-WebSocket-Version",
    ),
    ("http.server", "Header: Server"),
    ("http.transfer_encoding", "Header: Transfer-Encoding"),
    ("http.upgrade", "Header: Upgrade"),
    ("http.user_agent", "Header: User-Agent"),
    ("icmp", "Internet Control Message Protocol"),
    ("icmp.checksum", "Checksum"),
    ("icmp.code", "Code"),
    ("icmp.ident", "Identifier"),
    ("icmp.seq", "Sequence Number"),
    ("icmp.type", "Type"),
    ("icmpv6", "Internet Control Message Protocol v6"),
    ("icmpv6.checksum", "Checksum"),
    ("icmpv6.code", "Code"),
    ("icmpv6.echo.identifier", "Identifier"),
    ("icmpv6.echo.sequence_number", "Sequence Number"),
    ("icmpv6.type", "Type"),
    ("igmp", "Internet Group Management Protocol"),
    ("igmp.checksum", "Checksum"),
    ("igmp.type", "Type"),
    ("ip", "Internet Protocol Version 4"),
    ("ip.addr", "Source or destination IPv4 address"),
    ("ip.checksum", "Header Checksum"),
    ("ip.dsfield", "Differentiated Services Field"),
    ("ip.dsfield.dscp", "Differentiated Services Codepoint"),
    ("ip.dsfield.ecn", "Explicit Congestion Notification"),
    ("ip.dst", "Destination Address"),
    ("ip.flags", "Flags"),
    ("ip.flags.df", "Don't fragment"),
    ("ip.flags.mf", "More fragments"),
    ("ip.flags.rb", "Reserved bit"),
    ("ip.frag_offset", "Fragment Offset"),
    ("ip.hdr_len", "Header Length"),
    ("ip.id", "Identification"),
    ("ip.len", "Total Length"),
    ("ip.opt.type", "IP Option"),
    ("ip.options", "Options"),
    ("ip.proto", "Protocol"),
    ("ip.src", "Source Address"),
    ("ip.ttl", "Time to Live"),
    ("ip.version", "Version"),
    ("ipv6", "Internet Protocol Version 6"),
    ("ipv6.addr", "Source or destination IPv6 address"),
    ("ipv6.dst", "Destination Address"),
    ("ipv6.dstopts", "Destination Options"),
    ("ipv6.ext.len", "Length"),
    ("ipv6.ext.nxt", "Next Header"),
    ("ipv6.flow", "Flow Label"),
    ("ipv6.fragment", "Fragment Header"),
    ("ipv6.fragment.id", "Identification"),
    ("ipv6.fragment.more", "More Fragments"),
    ("ipv6.fragment.nxt", "Next header"),
    ("ipv6.fragment.offset", "Offset"),
    ("ipv6.hlim", "Hop Limit"),
    ("ipv6.hopopts", "Hop-by-Hop Options"),
    ("ipv6.nxt", "Next Header"),
    ("ipv6.plen", "Payload Length"),
    ("ipv6.routing", "Routing Header"),
    ("ipv6.src", "Source Address"),
    ("ipv6.tclass", "Traffic Class"),
    ("ipv6.tclass.dscp", "Differentiated Services Codepoint"),
    ("ipv6.tclass.ecn", "Explicit Congestion Notification"),
    ("ipv6.version", "Version"),
    ("json", "JSON"),
    ("loop", "OpenBSD loopback"),
    ("loop.family", "Family"),
    ("netlink.family", "Netlink family (Linux cooked capture)"),
    ("nflog", "Linux Netfilter NFLOG"),
    ("nflog.family", "Family"),
    ("nflog.res_id", "Resource id"),
    ("nflog.tlv", "TLV"),
    ("nflog.tlv_length", "Length"),
    ("nflog.tlv_type", "Type"),
    ("nflog.version", "Version"),
    ("null", "Null/Loopback"),
    ("null.family", "Family"),
    ("sll", "Linux cooked capture (v1, v2)"),
    ("sll.etype", "Protocol"),
    ("sll.gretype", "Protocol (GRE protocol type)"),
    ("sll.halen", "Link-layer address length"),
    ("sll.hatype", "Link-layer address type"),
    ("sll.ifindex", "Interface index"),
    ("sll.ltype", "Protocol (Linux protocol type)"),
    ("sll.pkttype", "Packet type"),
    ("sll.reserved", "Reserved"),
    ("sll.src.eth", "Source"),
    ("sll.src.ipv4", "Source"),
    ("sll.src.other", "Source"),
    ("sll.unused", "Unused"),
    ("socketio", "Socket.IO packet"),
    ("socketio.ack", "Acknowledged by"),
    ("socketio.ack_id", "Ack id"),
    ("socketio.answers", "Answers the emit in"),
    ("socketio.arg", "One argument, as its JSON text"),
    ("socketio.args", "Arguments"),
    ("socketio.attachments", "Binary attachments"),
    ("socketio.event", "Event"),
    ("socketio.nsp", "Namespace"),
    ("socketio.type", "Packet type"),
    ("tcp", "Transmission Control Protocol"),
    ("tcp.ack", "Acknowledgment Number (relative)"),
    ("tcp.ack_raw", "Acknowledgment Number (raw)"),
    ("tcp.analysis.flags", "Segment analysis"),
    ("tcp.analysis.initial_rtt", "Initial round-trip time"),
    ("tcp.checksum", "Checksum"),
    ("tcp.connection", "TCP connection (handshake, stream)"),
    ("tcp.connection.direction", "Direction"),
    ("tcp.connection.offered", "Options offered"),
    ("tcp.connection.role", "Role of this segment"),
    ("tcp.connection.rtt_ack", "SYN-ACK → ACK"),
    ("tcp.connection.rtt_syn", "SYN → SYN-ACK"),
    ("tcp.connection.state", "Handshake"),
    ("tcp.connection.stream_bytes", "Stream"),
    ("tcp.dstport", "Destination Port"),
    ("tcp.flags", "Flags"),
    ("tcp.flags.ack", "Acknowledgment"),
    ("tcp.flags.ae", "Accurate ECN"),
    ("tcp.flags.cwr", "Congestion Window Reduced"),
    ("tcp.flags.ece", "ECN-Echo"),
    ("tcp.flags.fin", "Fin"),
    ("tcp.flags.push", "Push"),
    ("tcp.flags.res", "Reserved"),
    ("tcp.flags.reset", "Reset"),
    ("tcp.flags.syn", "Syn"),
    ("tcp.flags.urg", "Urgent"),
    ("tcp.hdr_len", "Header Length"),
    ("tcp.len", "TCP Segment Len"),
    ("tcp.option_kind", "Option kind"),
    ("tcp.options", "Options"),
    ("tcp.options.mss", "Maximum segment size"),
    ("tcp.options.mss_val", "MSS Value"),
    ("tcp.options.nop", "No-Operation (NOP)"),
    ("tcp.options.sack", "SACK"),
    ("tcp.options.sack_le", "left edge"),
    ("tcp.options.sack_perm", "SACK permitted"),
    ("tcp.options.sack_re", "right edge"),
    ("tcp.options.timestamp", "Timestamps"),
    ("tcp.options.timestamp.tsecr", "Timestamp echo reply"),
    ("tcp.options.timestamp.tsval", "Timestamp value"),
    ("tcp.options.wscale", "Window scale"),
    ("tcp.options.wscale.multiplier", "Multiplier"),
    ("tcp.options.wscale.shift", "Shift count"),
    ("tcp.port", "Source or destination TCP port"),
    ("tcp.seq", "Sequence Number (relative)"),
    ("tcp.seq_raw", "Sequence Number (raw)"),
    ("tcp.srcport", "Source Port"),
    ("tcp.stream", "Stream index"),
    ("tcp.urgent_pointer", "Urgent Pointer"),
    ("tcp.window_size", "Calculated window size"),
    ("tcp.window_size_scalefactor", "Window size scaling factor"),
    ("tcp.window_size_value", "Window"),
    ("udp", "User Datagram Protocol"),
    ("udp.checksum", "Checksum"),
    ("udp.dstport", "Destination Port"),
    ("udp.length", "Length"),
    ("udp.port", "Source or destination UDP port"),
    ("udp.srcport", "Source Port"),
    ("vlan", "802.1Q Virtual LAN"),
    ("vlan.dei", "DEI"),
    ("vlan.etype", "Type"),
    ("vlan.id", "ID"),
    ("vlan.priority", "Priority"),
    ("websocket", "WebSocket frame"),
    ("websocket.accept", "Accept sent"),
    ("websocket.accept.expected", "Accept expected"),
    ("websocket.close.code", "Close code"),
    ("websocket.close.reason", "Close reason"),
    ("websocket.fin", "Fin"),
    ("websocket.guess", "Found by"),
    ("websocket.handshake", "WebSocket handshake"),
    ("websocket.incomplete", "Incomplete"),
    ("websocket.key", "Client key"),
    ("websocket.mask", "Mask"),
    ("websocket.masking_key", "Masking key"),
    ("websocket.message", "WebSocket message (reassembled)"),
    ("websocket.message.frames", "Frames"),
    ("websocket.message.length", "Length"),
    ("websocket.opcode", "Opcode"),
    ("websocket.payload", "Payload (unmasked)"),
    ("websocket.payload_length", "Payload length"),
    ("websocket.pmd", "permessage-deflate"),
    ("websocket.pong.answers", "Answers the ping in"),
    ("websocket.presentation", "WebSocket payload encoding"),
    ("websocket.rsv", "Reserved"),
    ("websocket.utf8", "UTF-8"),
    ("websocket.warning", "Warning"),
];

/// Aliases that stand for two fields: a test on the alias is a test on either.
pub(super) fn alias(name: &str) -> Option<[&'static str; 2]> {
    Some(match name {
        "ip.addr" => ["ip.src", "ip.dst"],
        "ipv6.addr" => ["ipv6.src", "ipv6.dst"],
        "eth.addr" => ["eth.src", "eth.dst"],
        "tcp.port" => ["tcp.srcport", "tcp.dstport"],
        "udp.port" => ["udp.srcport", "udp.dstport"],
        _ => return None,
    })
}

/// Whether `name` is a known field or protocol, or the prefix of a group of
/// known fields (`tcp.analysis` for `tcp.analysis.flags`).
pub(super) fn is_known(name: &str) -> bool {
    KNOWN.binary_search_by(|(n, _)| n.cmp(&name)).is_ok()
        || KNOWN.iter().any(|(n, _)| {
            n.len() > name.len() && n.starts_with(name) && n.as_bytes()[name.len()] == b'.'
        })
}

/// The closest known name, for "did you mean ...?" (none when nothing is close).
pub(super) fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    KNOWN
        .iter()
        .map(|(n, _)| (distance(name, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edit distance with adjacent transpositions counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 3 || a.len() > 64 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique() {
        assert!(KNOWN.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(KNOWN.iter().all(|(n, d)| !n.is_empty() && !d.is_empty()));
    }

    #[test]
    fn known_names_and_groups() {
        assert!(is_known("tcp"));
        assert!(is_known("tcp.flags.syn"));
        assert!(is_known("ip.addr"));
        assert!(is_known("tcp.analysis"));
        assert!(!is_known("tcp.prot"));
        assert!(!is_known("tcp."));
        assert!(!is_known(""));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("tcp.prot"), Some("tcp.port"));
        assert_eq!(suggest("websocket.opcod"), Some("websocket.opcode"));
        assert_eq!(suggest("htpp"), Some("http"));
        assert_eq!(suggest("zzzzzzzz"), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn aliases_are_known_and_point_at_known_fields() {
        for a in ["ip.addr", "ipv6.addr", "eth.addr", "tcp.port", "udp.port"] {
            assert!(is_known(a));
            let [x, y] = alias(a).unwrap();
            assert!(is_known(x) && is_known(y));
        }
        assert_eq!(alias("ip.src"), None);
    }
}
