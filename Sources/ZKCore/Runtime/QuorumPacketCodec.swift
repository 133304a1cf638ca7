import NIOCore

/// One thing read from a quorum-port stream: a whole `QuorumPacket`, or a chunk of the raw bytes that
/// follow a SNAP (the serialized snapshot and its `"BenWasHere"` trailer, which are not packets).
public enum QuorumStreamItem: Sendable, Hashable {
    case packet(QuorumPacket)
    case raw(ByteBuffer)
}

/// Why a quorum-port stream was given up; only that connection is closed.
///
/// ZooKeeper's `BinaryInputArchive.checkLength` ("Unreasonable length") and the `IOException`s a
/// `LearnerHandler` or `Learner` dies of when a packet cannot be read.
public enum QuorumStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A buffer or string length below -1 or above the allowance.
    case unreasonableLength(offset: Int, length: Int32)
    /// An authinfo vector count below -1.
    case badVectorCount(Int32)
    /// A packet whose encoded size exceeds twice the buffer allowance (a runaway authinfo vector).
    case packetTooLarge(Int)
    /// The framed bytes did not decode as a packet.
    case undecodable(JuteError)

    public var description: String {
        switch self {
        case let .unreasonableLength(offset, length): return "unreasonable length \(length) at packet offset \(offset)"
        case let .badVectorCount(count): return "bad authinfo count \(count)"
        case let .packetTooLarge(size): return "packet of \(size) bytes exceeds the limit"
        case let .undecodable(error): return "undecodable packet: \(error)"
        }
    }
}

/// Splits a quorum-port byte stream into `QuorumPacket`s, which travel without a length prefix.
///
/// Counterpart of `Learner`/`LearnerHandler` reading `QuorumPacket`s through a buffered
/// `BinaryInputArchive`. Packets are framed by scanning only their length fields (type, zxid, the
/// data length, the authinfo count and id string lengths), so a packet arriving in many reads is
/// never re-parsed: the scan remembers how many bytes it needs before it looks again, and only a
/// complete packet is decoded. Pure (no channel), so the handler and the tests drive the same code.
///
/// Raw mode: a packet whose type is in `holdAfterTypes` (a learner passes SNAP) *holds* the stream —
/// nothing more is decoded, bytes are only kept — because what follows may not be packets. The owner
/// then either calls `requestRaw()` to get everything buffered as one `.raw` chunk (and again for each
/// further chunk: one chunk per request, so the owner never receives bytes past the end of its raw
/// stream without having asked), or `resumePackets(leftover:)` to go back to packets, handing back
/// the unconsumed tail of its last chunk, which is decoded before anything that came after it.
public struct QuorumStreamDecoder: Sendable {
    /// Where the decoder is between packets.
    public enum Mode: Sendable, Hashable {
        /// Decoding packets.
        case packets
        /// Keeping bytes until the owner asks for raw chunks or packets again.
        case held
        /// The owner asked for a raw chunk; the next bytes available are handed up as one.
        case rawWanted
    }

    /// The current mode.
    public private(set) var mode: Mode = .packets
    /// Largest `data` buffer or id string accepted: `jute.maxbuffer` plus its extra allowance.
    public let maxBufferBytes: Int
    /// Packet types after which the stream is held (a learner: SNAP, 15).
    public let holdAfterTypes: Set<Int32>
    private var buffer: ByteBuffer
    /// Readable bytes the current packet needs at least; no scan happens before that many are in.
    private var needAtLeast = 0

    /// Creates a decoder in packet mode.
    public init(maxBufferBytes: Int, holdAfterTypes: Set<Int32> = []) {
        self.maxBufferBytes = maxBufferBytes
        self.holdAfterTypes = holdAfterTypes
        buffer = ByteBufferAllocator().buffer(capacity: 0)
    }

    /// Bytes received and not yet handed up.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Appends bytes read from the socket.
    public mutating func feed(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// Asks for the next raw chunk (from `held` or `rawWanted`); ignored while decoding packets.
    public mutating func requestRaw() {
        if mode != .packets { mode = .rawWanted }
    }

    /// Goes back to packets, decoding `leftover` (the unconsumed end of the last raw chunk) first.
    public mutating func resumePackets(leftover: ByteBuffer?) {
        if var leftover, leftover.readableBytes > 0 {
            leftover.writeBuffer(&buffer)
            buffer = leftover
        }
        mode = .packets
        needAtLeast = 0
    }

    /// The next item, or nil when more bytes (or an owner request) are needed.
    public mutating func next() throws(QuorumStreamError) -> QuorumStreamItem? {
        switch mode {
        case .held:
            return nil
        case .rawWanted:
            guard buffer.readableBytes > 0 else { return nil }
            let chunk = buffer.readSlice(length: buffer.readableBytes)!
            buffer = ByteBufferAllocator().buffer(capacity: 0)
            mode = .held
            return .raw(chunk)
        case .packets:
            guard buffer.readableBytes > 0, buffer.readableBytes >= needAtLeast else { return nil }
            let length = try scanPacket()
            guard length <= buffer.readableBytes else {
                needAtLeast = length
                return nil
            }
            needAtLeast = 0
            let bytes = buffer.readBytes(length: length)!
            if buffer.readableBytes == 0 { buffer.clear() }
            var reader = JuteReader(bytes, maxBufferLength: maxBufferBytes)
            let packet: QuorumPacket
            do { packet = try QuorumPacket(from: &reader) } catch { throw .undecodable(error) }
            if holdAfterTypes.contains(packet.type) { mode = .held }
            return .packet(packet)
        }
    }

    /// The encoded size of the packet at the reader index if the bytes present tell it, else the
    /// number of bytes needed before the next length field can be read (always more than present).
    private func scanPacket() throws(QuorumStreamError) -> Int {
        let start = buffer.readerIndex
        let readable = buffer.readableBytes
        var offset = 4 + 8
        func length(allowNull: Bool) throws(QuorumStreamError) -> Int? {
            let value = buffer.getInteger(at: start + offset, as: Int32.self)!
            if value == -1 && allowNull { offset += 4; return 0 }
            guard value >= 0, Int(value) <= maxBufferBytes else {
                throw .unreasonableLength(offset: offset, length: value)
            }
            offset += 4
            return Int(value)
        }
        guard readable >= offset + 4 else { return offset + 4 }
        offset += try length(allowNull: true)!
        guard readable >= offset + 4 else { return offset + 4 }
        let count = buffer.getInteger(at: start + offset, as: Int32.self)!
        offset += 4
        guard count != -1 else { return offset }
        guard count >= 0 else { throw .badVectorCount(count) }
        for _ in 0..<count {
            for _ in 0..<2 {
                guard readable >= offset + 4 else { return offset + 4 }
                offset += try length(allowNull: true)!
                if offset > 2 * maxBufferBytes { throw .packetTooLarge(offset) }
            }
        }
        return offset
    }
}

/// What the owner of a quorum connection writes: a packet, or raw bytes (the snapshot after a SNAP).
public enum QuorumOutbound: Sendable {
    case packet(QuorumPacket)
    case raw(ByteBuffer)
}

/// Commands to a connection's `QuorumStreamHandler`, sent as user outbound events so they are ordered
/// with the connection's other operations and run on its loop.
public enum QuorumStreamCommand: Sendable, Hashable {
    /// Hand up the bytes after a held packet (or the next bytes of a raw stream) as one `.raw` chunk.
    case requestRaw
    /// Decode packets again, starting with `leftover`.
    case resumePackets(leftover: ByteBuffer?)
}

/// Encodes a `QuorumPacket` exactly as `BinaryOutputArchive.writeRecord` does, with no length prefix.
public func encodeQuorumPacket(_ packet: QuorumPacket, into buffer: inout ByteBuffer) {
    var writer = JuteWriter(capacity: 24 + (packet.data?.count ?? 0))
    packet.encode(to: &writer)
    buffer.writeBytes(writer.bytes)
}

/// The quorum-port codec in a channel: `QuorumStreamDecoder` inbound, packet and raw writes outbound.
///
/// Not a `ByteToMessageDecoder` because raw mode needs to own its accumulated bytes: a held stream
/// keeps them, `resumePackets` puts the owner's leftover in front of them, and a command must be able
/// to re-run decoding without new bytes arriving. While the stream is held with more than
/// `heldHighWater` bytes buffered, reads stop (the read request is kept until the owner asks again),
/// so a slow snapshot consumer pushes back on the leader instead of filling memory. A framing error
/// is fired as `errorCaught` and the connection is closed.
public final class QuorumStreamHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = QuorumStreamItem
    public typealias OutboundIn = QuorumOutbound
    public typealias OutboundOut = ByteBuffer

    private var decoder: QuorumStreamDecoder
    private let heldHighWater: Int
    private var pendingRead = false
    private var failed = false

    /// Creates the handler; see `QuorumStreamDecoder` for the parameters.
    public init(maxBufferBytes: Int, holdAfterTypes: Set<Int32> = [], heldHighWater: Int = 4 << 20) {
        decoder = QuorumStreamDecoder(maxBufferBytes: maxBufferBytes, holdAfterTypes: holdAfterTypes)
        self.heldHighWater = heldHighWater
    }

    /// Feeds the bytes to the decoder and passes up every whole item.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        decoder.feed(unwrapInboundIn(data))
        drain(context: context, completeRead: false)
    }

    /// Holds the read request while a held stream has more than `heldHighWater` bytes waiting.
    public func read(context: ChannelHandlerContext) {
        if decoder.mode != .packets && decoder.bufferedBytes > heldHighWater {
            pendingRead = true
        } else {
            context.read()
        }
    }

    /// Encodes a packet (no length prefix) or passes raw bytes through.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .packet(let packet):
            var buffer = context.channel.allocator.buffer(capacity: 24 + (packet.data?.count ?? 0))
            encodeQuorumPacket(packet, into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .raw(let bytes):
            context.write(wrapOutboundOut(bytes), promise: promise)
        }
    }

    /// Applies a `QuorumStreamCommand`, then decodes what it released; other events pass on.
    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let command = event as? QuorumStreamCommand else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch command {
        case .requestRaw: decoder.requestRaw()
        case .resumePackets(let leftover): decoder.resumePackets(leftover: leftover)
        }
        promise?.succeed()
        drain(context: context, completeRead: true)
        if pendingRead && (decoder.mode == .packets || decoder.bufferedBytes <= heldHighWater) {
            pendingRead = false
            context.read()
        }
    }

    private func drain(context: ChannelHandlerContext, completeRead: Bool) {
        var produced = false
        do {
            while let item = try decoder.next() {
                produced = true
                context.fireChannelRead(wrapInboundOut(item))
            }
        } catch {
            failed = true
            if produced { context.fireChannelReadComplete() }
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        if produced && completeRead { context.fireChannelReadComplete() }
    }
}
