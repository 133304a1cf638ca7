import NIOCore

/// The client messages of one batch of core actions, grouped per connection in the order the
/// connections first appear, with the connections to close once their messages are out. Both
/// runtimes write a batch this way: one frame buffer and one flush per connection.
struct ClientOutbox {
    /// Connections with something to send or to close, first appearance first.
    private(set) var order: [ConnectionID] = []
    private var messages: [ConnectionID: [OutboundMessage]] = [:]
    private var closeReasons: [ConnectionID: String] = [:]

    mutating func send(_ message: OutboundMessage, to id: ConnectionID) {
        if messages[id] == nil { order.append(id); messages[id] = [] }
        messages[id]!.append(message)
    }

    mutating func close(_ id: ConnectionID, reason: String) {
        if messages[id] == nil { order.append(id); messages[id] = [] }
        closeReasons[id] = reason
    }

    func messages(for id: ConnectionID) -> [OutboundMessage] { messages[id] ?? [] }

    /// Why the connection is closed after its messages; nil when it stays open.
    func closeReason(for id: ConnectionID) -> String? { closeReasons[id] }
}

extension OutboundMessage {
    /// Writes `messages` to a client channel as frames with one flush, then closes the channel
    /// when `closing`; on the channel's own loop, at once when already there (both runtimes).
    static func deliver(_ messages: [OutboundMessage], closing: Bool, on channel: any Channel) {
        let deliver: @Sendable () -> Void = {
            guard !messages.isEmpty else {
                if closing { channel.close(promise: nil) }
                return
            }
            var writer = JuteWriter(capacity: 128 * messages.count)
            for message in messages { message.encodeFrame(into: &writer) }
            var buffer = channel.allocator.buffer(capacity: writer.count)
            buffer.writeBytes(writer.bytes)
            let written = channel.writeAndFlush(buffer)
            if closing { written.whenComplete { _ in channel.close(promise: nil) } }
        }
        if channel.eventLoop.inEventLoop { deliver() } else { channel.eventLoop.execute(deliver) }
    }
}
