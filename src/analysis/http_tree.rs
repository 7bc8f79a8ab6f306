//! The fields of the HTTP layer (OSI 7) and of the WebSocket opening handshake checked
//! there, as the tree shows them (Wireshark's names where Wireshark has them).

/// HTTP and WebSocket-handshake field definitions.
pub(crate) mod hf {
    crate::dissect::fields! {
        HTTP = "http", "Hypertext Transfer Protocol", None;
        REQUEST_METHOD = "http.request.method", "Request Method", Text;
        REQUEST_URI = "http.request.uri", "Request URI", Text;
        REQUEST_VERSION = "http.request.version", "Request Version", Text;
        RESPONSE_VERSION = "http.response.version", "Response Version", Text;
        RESPONSE_CODE = "http.response.code", "Status Code", Unsigned;
        RESPONSE_PHRASE = "http.response.phrase", "Response Phrase", Text;
        HOST = "http.host", "Host", Text, "Header: Host";
        USER_AGENT = "http.user_agent", "User-Agent", Text, "Header: User-Agent";
        CONTENT_TYPE = "http.content_type", "Content-Type", Text, "Header: Content-Type";
        CONTENT_LENGTH_HEADER = "http.content_length_header", "Content-Length", Text,
            "Header: Content-Length";
        CONNECTION = "http.connection", "Connection", Text, "Header: Connection";
        UPGRADE = "http.upgrade", "Upgrade", Text, "Header: Upgrade";
        TRANSFER_ENCODING = "http.transfer_encoding", "Transfer-Encoding", Text,
            "Header: Transfer-Encoding";
        SERVER = "http.server", "Server", Text, "Header: Server";
        SEC_WEBSOCKET_KEY = "http.sec_websocket_key", "Sec-WebSocket-Key", Text,
            "Header: Sec-WebSocket-Key";
        SEC_WEBSOCKET_ACCEPT = "http.sec_websocket_accept", "Sec-WebSocket-Accept", Text,
            "Header: Sec-WebSocket-Accept";
        SEC_WEBSOCKET_VERSION = "http.sec_websocket_version", "Sec-WebSocket-Version", Text,
            "Header: Sec-WebSocket-Version";
        SEC_WEBSOCKET_EXTENSIONS = "http.sec_websocket_extensions", "Sec-WebSocket-Extensions",
            Text, "Header: Sec-WebSocket-Extensions";
        SEC_WEBSOCKET_PROTOCOL = "http.sec_websocket_protocol", "Sec-WebSocket-Protocol", Text,
            "Header: Sec-WebSocket-Protocol";
        HEADER = "http.header", "Header", Text, "Other header (the whole line)";
        CONTENT_LENGTH = "http.content_length", "Body length", Unsigned;
        REQUEST_IN = "http.request_in", "Request in frame", Frame;
        RESPONSE_IN = "http.response_in", "Response in frame", Frame;
        WS_HANDSHAKE = "websocket.handshake", "WebSocket handshake", Bool,
            "WebSocket handshake: the Sec-WebSocket-Accept matches the key";
        WS_KEY = "websocket.key", "Client key", Text;
        WS_ACCEPT = "websocket.accept", "Accept sent", Text;
        WS_ACCEPT_EXPECTED = "websocket.accept.expected",
            "Accept expected = base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))", Text,
            "Accept expected";
    }
}
