import NIOCore

/// Reads and writes one election-port connection for its `ElectionTransport`, on the channel's loop.
///
/// The socket half of ZooKeeper's `QuorumCnxManager`: an initiator writes the `ElectionHandshake`
/// first (and, dialling a higher sid, closes right after it, as `startConnection` does); an acceptor
/// decodes the handshake (`handleConnection`) within the connect timeout. After it, both read
/// `int length` + payload messages (`RecvWorker`): a length <= 0 or above the limit, or a bad
/// handshake, closes only this connection. Messages go to the transport once per read burst.
final class ElectionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which end of the connection this is.
    enum Role {
        /// We accepted it; the peer's handshake comes first.
        case acceptor
        /// We dialled `peer` (attempt `dial`); `closeAfterHandshake` when `peer` has the higher sid and must dial us.
        case initiator(peer: ServerID, dial: UInt64, handshake: [UInt8], closeAfterHandshake: Bool)
    }

    private let transport: ElectionTransport
    private let id: UInt64
    private let role: Role
    private var cumulation: ByteBuffer?
    private var handshakeDone: Bool
    private var batch: [[UInt8]] = []
    private var closing = false
    private var handshakeTimeout: Scheduled<Void>?

    /// Creates the handler of connection `id`, numbered by the transport.
    init(transport: ElectionTransport, id: UInt64, role: Role) {
        self.transport = transport
        self.id = id
        self.role = role
        if case .acceptor = role { handshakeDone = false } else { handshakeDone = true }
    }

    func channelActive(context: ChannelHandlerContext) {
        switch role {
        case .acceptor:
            let timeout = TimeAmount.milliseconds(transport.connectTimeoutMs)
            handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                if !handshakeDone && !closing { drop(context, reason: "no handshake within \(timeout)") }
            }
        case let .initiator(peer, dial, handshake, closeAfterHandshake):
            let bytes = context.channel.allocator.buffer(bytes: handshake)
            if closeAfterHandshake {
                closing = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
                transport.opened(id, channel: context.channel, peer: peer, dial: dial)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        if !handshakeDone && !readHandshake(context) { return }
        readMessages(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushBatch()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { transport.writable(id) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        handshakeTimeout?.cancel()
        flushBatch()
        transport.closed(id)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        transport.logger.debug("election connection error", metadata: ["connection": "\(id)", "error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }

    /// Decodes the handshake from the front of `cumulation`; false while it is incomplete or bad.
    private func readHandshake(_ context: ChannelHandlerContext) -> Bool {
        guard var buffer = cumulation else { return false }
        switch ElectionHandshake.decode(buffer.readableBytesView) {
        case .needMoreBytes:
            return false
        case .failed(let error):
            drop(context, reason: "bad handshake: \(error)")
            return false
        case let .done(header, consumed):
            handshakeDone = true
            handshakeTimeout?.cancel()
            buffer.moveReaderIndex(forwardBy: consumed)
            cumulation = buffer.readableBytes == 0 ? nil : buffer
            transport.accepted(id, header, channel: context.channel)
            return true
        }
    }

    private func readMessages(_ context: ChannelHandlerContext) {
        while !closing, var buffer = cumulation, buffer.readableBytes >= 4 {
            let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self)!
            guard length > 0, Int(length) <= transport.maxMessageBytes else {
                drop(context, reason: "message length \(length) outside 1...\(transport.maxMessageBytes)")
                return
            }
            guard buffer.readableBytes >= 4 + Int(length) else { return }
            buffer.moveReaderIndex(forwardBy: 4)
            batch.append(buffer.readBytes(length: Int(length))!)
            cumulation = buffer.readableBytes == 0 ? nil : buffer
        }
    }

    private func flushBatch() {
        guard !batch.isEmpty else { return }
        transport.received(id, batch)
        batch.removeAll(keepingCapacity: true)
    }

    private func drop(_ context: ChannelHandlerContext, reason: String) {
        closing = true
        cumulation = nil
        flushBatch()
        transport.logger.warning("closing election connection: \(reason)", metadata: ["connection": "\(id)"])
        context.close(promise: nil)
    }
}
