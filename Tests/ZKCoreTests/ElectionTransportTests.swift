import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import ZKCore

/// What one transport delivered, in order.
final class ElectionInbox: Sendable {
    private let box = NIOLockedValueBox<[(ServerID, [UInt8])]>([])
    func add(_ sid: ServerID, _ payload: [UInt8]) { box.withLockedValue { $0.append((sid, payload)) } }
    var all: [(ServerID, [UInt8])] { box.withLockedValue { $0 } }
    func from(_ sid: Int64) -> [String] {
        all.filter { $0.0 == ServerID(sid) }.map { String(decoding: $0.1, as: UTF8.self) }
    }
}

/// Transports on 127.0.0.1 with OS-chosen ports, in one process.
final class ElectionCluster {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    var transports: [Int64: ElectionTransport] = [:]
    var inboxes: [Int64: ElectionInbox] = [:]
    var ports: [Int64: Int] = [:]

    static let logger: Logger = {
        var logger = Logger(label: "swzk.test.election")
        logger.logLevel = ProcessInfo.processInfo.environment["SWZK_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    var addresses: [ServerID: HostPort] {
        Dictionary(uniqueKeysWithValues: ports.map { (ServerID($0.key), HostPort(host: "127.0.0.1", port: $0.value)) })
    }

    /// Starts server `sid` (on `port`, or an OS-chosen one) and tells everyone the addresses.
    func start(_ sid: Int64, port: Int = 0, connectTimeoutMs: Int64 = 5000,
               extraPeers: [ServerID: HostPort] = [:]) async throws {
        let inbox = ElectionInbox()
        let transport = ElectionTransport(myID: ServerID(sid), electionAddress: HostPort(host: "127.0.0.1", port: port),
                                          peers: [:], group: group, connectTimeoutMs: connectTimeoutMs, bindRetries: 3,
                                          logger: Self.logger, deliver: { inbox.add($0, $1) })
        try await transport.start()
        transports[sid] = transport
        inboxes[sid] = inbox
        let bound: Int = try #require(transport.boundPort)
        ports[sid] = bound
        for (id, other) in transports {
            other.setPeers(addresses.merging(id == sid ? extraPeers : [:]) { a, _ in a })
        }
    }

    func stop(_ sid: Int64) async {
        await transports.removeValue(forKey: sid)?.shutdown()
    }

    func shutdown() async throws {
        for sid in transports.keys.sorted() { await stop(sid) }
        try await group.shutdownGracefully()
    }

    func sendAll(_ tag: String) {
        for (from, transport) in transports {
            for to in transports.keys where to != from { transport.send(to: ServerID(to), Array("\(tag) \(from)>\(to)".utf8)) }
        }
    }

    /// Every pair is connected by exactly one TCP connection (two sockets in all, one at each end).
    func fullyConnected() async -> Bool {
        var sockets = 0
        for (sid, transport) in transports {
            let expected = transports.keys.filter { $0 != sid }.sorted().map { ServerID($0) }
            guard await transport.connectedPeers() == expected else { return false }
            sockets += transport.openConnectionCount
        }
        return sockets == transports.count * (transports.count - 1)
    }
}

@Suite(.serialized) struct ElectionTransportTests {
    @Test func threeServersExchangeMessagesOverOneConnectionPerPair() async throws {
        let cluster = ElectionCluster()
        for sid in Int64(1)...3 { try await cluster.start(sid) }
        cluster.sendAll("hello")
        try await eventually("every message delivered") {
            cluster.inboxes.allSatisfy { to, inbox in
                cluster.transports.keys.filter { $0 != to }.allSatisfy { inbox.from($0).contains("hello \($0)>\(to)") }
            }
        }
        try await eventually("one connection per pair") { await cluster.fullyConnected() }
        for transport in cluster.transports.values { #expect(transport.allDelivered) }
        cluster.sendAll("again")
        try await eventually("second round delivered") {
            cluster.inboxes.allSatisfy { to, inbox in
                cluster.transports.keys.filter { $0 != to }.allSatisfy { inbox.from($0).last == "again \($0)>\(to)" }
            }
        }
        #expect(await cluster.fullyConnected())
        let transports = Array(cluster.transports.values)
        try await cluster.shutdown()
        for transport in transports { #expect(transport.openConnectionCount == 0) }
    }

    @Test(arguments: [Int64(1), 3])
    func aRestartedPeerGetsTheLastMessagesAgain(restarted: Int64) async throws {
        let cluster = ElectionCluster()
        for sid in Int64(1)...3 { try await cluster.start(sid) }
        cluster.sendAll("vote")
        try await eventually("one connection per pair") { await cluster.fullyConnected() }
        try await eventually("delivered") { cluster.inboxes.values.allSatisfy { $0.all.count >= 2 } }
        let port = try #require(cluster.ports[restarted])
        await cluster.stop(restarted)
        try await cluster.start(restarted, port: port)
        let fresh = try #require(cluster.transports[restarted])
        for other in cluster.transports.keys where other != restarted { fresh.send(to: ServerID(other), Array("new".utf8)) }
        let inbox = try #require(cluster.inboxes[restarted])
        try await eventually("last messages re-sent") {
            cluster.transports.keys.filter { $0 != restarted }.allSatisfy { Set(inbox.from($0)) == ["vote \($0)>\(restarted)"] }
        }
        try await eventually("one connection per pair again") { await cluster.fullyConnected() }
        try await cluster.shutdown()
    }

    // A message may arrive twice: the last one is re-sent on every new connection, as in Apache.
    @Test func aNewerUnsentMessageReplacesTheOlderOne() async throws {
        let cluster = ElectionCluster()
        try await cluster.start(1)
        try await cluster.start(2)
        let port = try #require(cluster.ports[2])
        await cluster.stop(2)
        let one = try #require(cluster.transports[1])
        one.send(to: ServerID(2), Array("first".utf8))
        one.send(to: ServerID(2), Array("second".utf8))
        #expect(!one.allDelivered)
        try await cluster.start(2, port: port)
        let inbox = try #require(cluster.inboxes[2])
        // A dial that fails leaves the message queued; election retries through connectAll.
        try await eventually("the newer message arrives") {
            one.connectAll()
            return Set(inbox.from(1)) == ["second"]
        }
        #expect(one.allDelivered)
        try await cluster.shutdown()
    }

    @Test func aMessageToOurselvesIsDeliveredLocally() async throws {
        let cluster = ElectionCluster()
        try await cluster.start(1)
        cluster.transports[1]!.send(to: ServerID(1), Array("me".utf8))
        try await eventually("loopback") { cluster.inboxes[1]!.from(1) == ["me"] }
        #expect(cluster.transports[1]!.openConnectionCount == 0)
        try await cluster.shutdown()
    }

    @Test func bindFailureAfterRetriesNamesTheAddress() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let blocker = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(blocker.localAddress?.port)
        let transport = ElectionTransport(myID: ServerID(1), electionAddress: HostPort(host: "127.0.0.1", port: port),
                                          peers: [:], group: group, bindRetries: 1, logger: ElectionCluster.logger,
                                          deliver: { _, _ in })
        do {
            try await transport.start()
            Issue.record("bound a port already in use")
        } catch let error as ElectionTransportError {
            #expect("\(error)".contains("127.0.0.1:\(port)"))
        }
        await transport.shutdown()
        try await blocker.close()
        try await group.shutdownGracefully()
    }

    /// Opens a raw socket to `port`, writes `bytes` and reports whether the transport closed it.
    private func isDropped(_ bytes: [UInt8], port: Int, group: any EventLoopGroup) async throws -> Bool {
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        defer { channel.close(promise: nil) }
        do {
            try await eventually("connection closed", timeout: .seconds(10)) { !channel.isActive }
            return true
        } catch {
            return false
        }
    }

    @Test func badConnectionsAreDroppedAndTheTransportsKeepWorking() async throws {
        let cluster = ElectionCluster()
        try await cluster.start(1)
        // Server 3 is a configured peer that a raw socket impersonates.
        let impostor = [ServerID(3): HostPort(host: "127.0.0.1", port: 9)]
        try await cluster.start(2, connectTimeoutMs: 1000, extraPeers: impostor)
        let port = try #require(cluster.ports[2])
        func handshake(version: Int64 = ElectionHandshake.protocolVersionV1, sid: Int64, length: Int32? = nil) -> [UInt8] {
            written { w in
                w.writeLong(version); w.writeLong(sid)
                let address = Array("127.0.0.1:9".utf8)
                w.writeInt(length ?? Int32(address.count)); w.writeRaw(address)
            }
        }
        func message(_ text: String) -> [UInt8] { written { $0.writeBuffer(Array(text.utf8)) } }
        let bad: [(String, [UInt8])] = [
            ("garbage", Array(repeating: 0xEE, count: 40)),
            ("legacy unknown sid", Array("hello garbage!!!".utf8)),
            ("wrong protocol version", handshake(version: -65534, sid: 3)),
            ("2049-byte address length", handshake(sid: 3, length: 2049)),
            ("bad address", written { w in w.writeLong(ElectionHandshake.protocolVersionV1); w.writeLong(3); w.writeString("nope") }),
            ("unknown sid", handshake(sid: 9)),
            ("our own sid", handshake(sid: 2)),
            ("incomplete handshake", Array(handshake(sid: 3).prefix(10))),
            ("600 KiB message", handshake(sid: 3) + message("ok 3") + written { $0.writeInt(600 * 1024) }),
            ("zero-length message", handshake(sid: 3) + written { $0.writeInt(0) }),
        ]
        for (name, bytes) in bad {
            #expect(try await isDropped(bytes, port: port, group: cluster.group), "\(name)")
        }
        #expect(cluster.inboxes[2]!.from(3) == ["ok 3"])
        cluster.sendAll("still")
        try await eventually("the real peers still talk") {
            Set(cluster.inboxes[1]!.from(2)) == ["still 2>1"] && Set(cluster.inboxes[2]!.from(1)) == ["still 1>2"]
        }
        try await eventually("one connection") { await cluster.fullyConnected() }
        try await cluster.shutdown()
    }

    @Test func theLiveCaptureIsDeliveredAsSentAndLegacyHeadersWork() async throws {
        let cluster = ElectionCluster()
        try await cluster.start(2, extraPeers: [ServerID(3): HostPort(host: "127.0.0.1", port: 25853)])
        let port = try #require(cluster.ports[2])
        let capture = try loadEnsembleHex("election-port.hex")
        // Server 3 dialling server 2 in the capture: its handshake, then two notifications.
        let stream = Array(capture.prefix(3).filter { $0.direction == "I>A" }.map(\.bytes).joined())
        let channel = try await ClientBootstrap(group: cluster.group).connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: stream))
        let notification = Array(capture[1].bytes.dropFirst(4))
        try await eventually("both notifications") { cluster.inboxes[2]!.all.count == 2 }
        let delivered = cluster.inboxes[2]!.all
        #expect(delivered.allSatisfy { $0.0 == ServerID(3) && $0.1 == notification })
        try await channel.close()
        let legacy = try await ClientBootstrap(group: cluster.group).connect(host: "127.0.0.1", port: port).get()
        try await legacy.writeAndFlush(ByteBuffer(bytes: written { $0.writeLong(3); $0.writeBuffer(Array("old".utf8)) }))
        try await eventually("legacy message") { cluster.inboxes[2]!.from(3).last == "old" }
        try await legacy.close()
        try await cluster.shutdown()
    }

    @Test func whatWeSendIsTheCapturedFormat() async throws {
        let cluster = ElectionCluster()
        let received = NIOLockedValueBox<[UInt8]>([])
        let fakeTwo = try await ServerBootstrap(group: cluster.group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteCollector(into: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let fakePort = try #require(fakeTwo.localAddress?.port)
        try await cluster.start(3, extraPeers: [ServerID(2): HostPort(host: "127.0.0.1", port: fakePort)])
        let port = try #require(cluster.ports[3])
        let payload: [UInt8] = Array(0..<182)
        cluster.transports[3]!.send(to: ServerID(2), payload)
        let expected = ElectionHandshake(sid: ServerID(3), addresses: [HostPort(host: "127.0.0.1", port: port)]).encoded()
            + written { $0.writeBuffer(payload) }
        try await eventually("handshake and message") { received.withLockedValue { $0.count } >= expected.count }
        #expect(received.withLockedValue { $0 } == expected)
        #expect(Array(expected.prefix(20)) == Array(hexBytes("ffffffffffff0000 0000000000000003 0000000f")))
        try await fakeTwo.close()
        try await cluster.shutdown()
    }
}

/// Appends everything a test server reads.
final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let box: NIOLockedValueBox<[UInt8]>
    init(into box: NIOLockedValueBox<[UInt8]>) { self.box = box }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        box.withLockedValue { $0 += Array(bytes.readableBytesView) }
    }
}
