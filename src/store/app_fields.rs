//! The fields of the WebSocket, Engine.IO and Socket.IO layers (OSI 5 to 7) that
//! `app_layers.rs` builds from the analysis records.

/// WebSocket, Engine.IO and Socket.IO field definitions.
pub(crate) mod hf {
    crate::dissect::fields! {
        WEBSOCKET = "websocket", "WebSocket frame", None;
        PRESENTATION = "websocket.presentation", "WebSocket payload encoding", None;
        FIN = "websocket.fin", "Fin", Bool;
        RSV = "websocket.rsv", "Reserved", Unsigned;
        OPCODE = "websocket.opcode", "Opcode", Named;
        MASK = "websocket.mask", "Mask", Bool;
        PAYLOAD_LENGTH = "websocket.payload_length", "Payload length", Unsigned;
        MASKING_KEY = "websocket.masking_key", "Masking-Key", Bytes;
        PMD = "websocket.pmd", "permessage-deflate", None;
        UTF8 = "websocket.utf8", "UTF-8", Bool;
        JSON = "json", "JSON", Bool, "JSON (whether the text payload is valid JSON)";
        GUESS = "websocket.guess", "Found by", None;
        PAYLOAD = "websocket.payload", "Payload (unmasked)", Bytes;
        PAYLOAD_PART = "websocket.payload.part", "Payload", Unsigned,
            "Payload bytes of a frame whose message is reassembled below";
        CLOSE_CODE = "websocket.close.code", "Close code", Named;
        CLOSE_REASON = "websocket.close.reason", "Close reason", Text;
        PONG_ANSWERS = "websocket.pong.answers", "Answers the ping in", Frame;
        INCOMPLETE = "websocket.incomplete", "Incomplete", None;
        WARNING = "websocket.warning", "Warning", Text;
        MESSAGE = "websocket.message", "WebSocket message (reassembled)", None;
        MESSAGE_FRAMES = "websocket.message.frames", "Frames", Frames;
        MESSAGE_LENGTH = "websocket.message.length", "Length", Unsigned;
        ENGINEIO = "engineio", "Engine.IO packet", None;
        SESSION = "engineio.session", "Engine.IO session", None;
        SID = "engineio.sid", "Session id", Text;
        VERSION = "engineio.version", "Protocol version", Unsigned;
        CONVERSATIONS = "engineio.conversations", "TCP streams carrying it", Text;
        PING = "engineio.ping", "Ping interval / timeout", None;
        PACKETS = "engineio.packets", "Packets in the session", Unsigned;
        HEALTH = "engineio.health", "Health", Text;
        TYPE = "engineio.type", "Packet type", Named;
        TRANSPORT = "engineio.transport", "Transport", Text;
        BINARY = "engineio.binary", "Binary data", Bytes;
        DATA = "engineio.data", "Data", Text;
        OPEN_SID = "engineio.open.sid", "sid", Text;
        OPEN_UPGRADES = "engineio.open.upgrades", "upgrades", Text;
        OPEN_PING_INTERVAL = "engineio.open.ping_interval", "pingInterval", Unsigned;
        OPEN_PING_TIMEOUT = "engineio.open.ping_timeout", "pingTimeout", Unsigned;
        OPEN_MAX_PAYLOAD = "engineio.open.max_payload", "maxPayload", Unsigned;
        PROBE = "engineio.probe", "Upgrade probe", None;
        SOCKETIO = "socketio", "Socket.IO packet", None;
        SIO_TYPE = "socketio.type", "Packet type", Named;
        NSP = "socketio.nsp", "Namespace", Text;
        EVENT = "socketio.event", "Event", Text;
        ACK_ID = "socketio.ack_id", "Ack id", Unsigned;
        ARGS = "socketio.args", "Arguments", Text;
        ARG = "socketio.arg", "Argument", Text, "One argument, as its JSON text";
        ATTACHMENTS = "socketio.attachments", "Binary attachments", Unsigned;
        ACK = "socketio.ack", "Acknowledged by", Frame;
        ANSWERS = "socketio.answers", "Answers the emit in", Frame;
    }
}
