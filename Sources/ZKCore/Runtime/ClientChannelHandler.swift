import NIOCore

/// Frames one client connection and reports to its `ClientRuntime`, on the runtime's own loop.
///
/// ZooKeeper's `ClientCnxnSocketNIO.doIO` read side: a 4-byte length, then that many bytes. A
/// negative length or one above `jute.maxbuffer` closes the connection (`readLength` throws "Packet
/// len is out of range"). Every report carries the connection's generation so the runtime can ignore
/// a connection it has already replaced.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let runtime: ClientRuntime
    private let generation: UInt64
    private let maxFrameBytes: Int
    private var cumulation: ByteBuffer?
    private var closing = false

    init(runtime: ClientRuntime, generation: UInt64, maxFrameBytes: Int) {
        self.runtime = runtime
        self.generation = generation
        self.maxFrameBytes = maxFrameBytes
    }

    func channelActive(context: ChannelHandlerContext) {
        runtime.channelActive(context.channel, generation: generation)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        runtime.channelInactive(generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closing = true
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        var frames: [[UInt8]] = []
        while var buffer = cumulation, buffer.readableBytes >= 4 {
            let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self)!
            guard length >= 0, Int(length) <= maxFrameBytes else {
                closing = true
                cumulation = nil
                runtime.frames(frames, generation: generation)
                context.close(promise: nil)
                return
            }
            guard buffer.readableBytes >= 4 + Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            frames.append(buffer.readBytes(length: Int(length))!)
            cumulation = buffer.readableBytes == 0 ? nil : buffer
        }
        if !frames.isEmpty { runtime.frames(frames, generation: generation) }
    }
}
