import Logging
import NIOCore

/// What a client connection hands its frames to: the standalone `ServerRuntime` or an ensemble
/// member's `QuorumPeerRuntime`. Both run the core on one loop and answer four-letter words.
protocol ClientConnectionOwner: AnyObject, Sendable {
    var logger: Logger { get }
    /// Largest frame a client may send (`jute.maxbuffer`).
    var maxFrameBytes: Int { get }
    /// Hands inputs to the core; `register` binds a new connection's channel first.
    func submit(_ inputs: [CoreInput], register: (ConnectionID, any Channel)?)
    /// Answers a four-letter word and closes the connection.
    func answerFourLetterWord(_ word: FourLetterWord, argument: Int64?, id: ConnectionID, on channel: any Channel)
}

extension ClientConnectionOwner {
    func submit(_ inputs: [CoreInput]) { submit(inputs, register: nil) }
}

/// Frames and decodes one client connection on its own event loop, and passes what it read to
/// the core once per read burst (ZooKeeper's `NIOServerCnxn.readLength`/`readPayload`).
///
/// The first four bytes may be a four-letter word instead of a frame length. A negative or
/// oversized length, or an undecodable handshake or request header, closes only this connection.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let runtime: any ClientConnectionOwner
    private let id: ConnectionID
    private var cumulation: ByteBuffer?
    private var sawFirstBytes = false
    private var handshakeDone = false
    private var batch: [CoreInput] = []
    private var closing = false

    init(runtime: any ClientConnectionOwner, id: ConnectionID) {
        self.runtime = runtime
        self.id = id
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress
        runtime.submit([.opened(id, address: remote?.ipAddress ?? "0.0.0.0", port: remote?.port ?? 0)],
                       register: (id, context.channel))
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
        parseFrames(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushBatch()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flushBatch()
        runtime.submit([.closed(id)])
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        runtime.logger.debug("connection error", metadata: ["connection": "\(id)", "error": "\(error)"])
        context.close(promise: nil)
    }

    private func flushBatch() {
        guard !batch.isEmpty else { return }
        runtime.submit(batch)
        batch.removeAll(keepingCapacity: true)
    }

    private func parseFrames(context: ChannelHandlerContext) {
        while !closing, var buffer = cumulation, buffer.readableBytes >= 4 {
            let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self)!
            if !sawFirstBytes {
                sawFirstBytes = true
                if !handshakeDone, let word = FourLetterWord(code: length) {
                    var argument: Int64?
                    if word.readsArgument {
                        guard buffer.readableBytes >= 4 + FourLetterWord.traceMaskArgumentBytes else {
                            sawFirstBytes = false
                            return
                        }
                        argument = buffer.getInteger(at: buffer.readerIndex + 4, as: Int64.self)
                    }
                    closing = true
                    cumulation = nil
                    if word.isTelnetClose {
                        context.close(promise: nil)
                    } else {
                        runtime.answerFourLetterWord(word, argument: argument, id: id, on: context.channel)
                    }
                    return
                }
            }
            if length < 0 || Int(length) > runtime.maxFrameBytes {
                drop(context, reason: "frame length \(length) outside 0...\(runtime.maxFrameBytes)")
                return
            }
            guard buffer.readableBytes >= 4 + Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            let bytes = buffer.readBytes(length: Int(length))!
            cumulation = buffer.readableBytes == 0 ? nil : buffer
            decodeFrame(bytes, context: context)
        }
    }

    private func decodeFrame(_ bytes: [UInt8], context: ChannelHandlerContext) {
        var reader = JuteReader(bytes, maxBufferLength: runtime.maxFrameBytes)
        do {
            if !handshakeDone {
                handshakeDone = true
                batch.append(.connect(id, try ConnectRequest(from: &reader)))
            } else {
                let header = try RequestHeader(from: &reader)
                batch.append(.request(id, xid: header.xid, ClientRequest.decode(type: header.type, body: &reader)))
            }
        } catch {
            drop(context, reason: "undecodable \(handshakeDone ? "request header" : "ConnectRequest"): \(error)")
        }
    }

    private func drop(_ context: ChannelHandlerContext, reason: String) {
        closing = true
        cumulation = nil
        flushBatch()
        runtime.logger.info("closing connection: \(reason)", metadata: ["connection": "\(id)"])
        context.close(promise: nil)
    }
}
