import NIOCore
import NIOPosix

/// A TCP relay between a client under test and a server, so a test can break the client's
/// connection the way a network does: kill live connections, refuse new ones, or hold the
/// server's bytes back. All state lives on the proxy's one event loop.
final class TestProxy: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var loop: any EventLoop { group.next() }
    private let targetPort: Int
    private var listener: (any Channel)?
    private var links: [ObjectIdentifier: Link] = [:]
    private var refusing = false
    private var holding = false
    private var held: [(Link, ByteBuffer)] = []
    private var toServerBytes = 0
    private(set) var port = 0

    /// One client connection and its server-side partner (touched only on the proxy's loop).
    final class Link: @unchecked Sendable {
        let client: any Channel
        var server: (any Channel)?
        var waiting: [ByteBuffer] = []
        init(client: any Channel) { self.client = client }
    }

    /// A relay on a free port of 127.0.0.1 towards 127.0.0.1:`targetPort`.
    init(targetPort: Int) async throws {
        self.targetPort = targetPort
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientSide(proxy: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        listener = channel
        port = channel.localAddress?.port ?? 0
    }

    var connectString: String { "127.0.0.1:\(port)" }

    /// Closes every relayed connection (both sides).
    func killConnections() async {
        try? await loop.submit { [self] in
            for link in links.values {
                link.client.close(promise: nil)
                link.server?.close(promise: nil)
            }
            links = [:]
        }.get()
    }

    /// While set, new connections are closed as soon as they are accepted.
    func setRefusing(_ on: Bool) async {
        try? await loop.submit { [self] in refusing = on }.get()
    }

    /// While set, bytes from the server are kept back; clearing it releases them in order.
    func setHoldingReplies(_ on: Bool) async {
        try? await loop.submit { [self] in
            holding = on
            if !on {
                for (link, buffer) in held { link.client.writeAndFlush(buffer, promise: nil) }
                held = []
            }
        }.get()
    }

    /// Bytes relayed from clients to the server so far.
    func bytesToServer() async -> Int {
        (try? await loop.submit { [self] in toServerBytes }.get()) ?? 0
    }

    /// Number of live relayed connections.
    func connectionCount() async -> Int {
        (try? await loop.submit { [self] in links.count }.get()) ?? 0
    }

    func shutdown() async {
        await killConnections()
        try? await listener?.close()
        try? await group.shutdownGracefully()
    }

    // MARK: - Relay (on the loop)

    fileprivate func accepted(_ client: any Channel) {
        if refusing {
            client.close(promise: nil)
            return
        }
        let link = Link(client: client)
        links[ObjectIdentifier(client)] = link
        ClientBootstrap(group: client.eventLoop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ServerSide(proxy: self, link: link))
                }
            }
            .connect(host: "127.0.0.1", port: targetPort)
            .whenComplete { [self] result in
                switch result {
                case .success(let server):
                    link.server = server
                    for buffer in link.waiting { server.writeAndFlush(buffer, promise: nil) }
                    link.waiting = []
                case .failure:
                    clientClosed(client)
                }
            }
    }

    fileprivate func fromClient(_ client: any Channel, _ buffer: ByteBuffer) {
        guard let link = links[ObjectIdentifier(client)] else { return }
        toServerBytes += buffer.readableBytes
        if let server = link.server {
            server.writeAndFlush(buffer, promise: nil)
        } else {
            link.waiting.append(buffer)
        }
    }

    fileprivate func fromServer(_ link: Link, _ buffer: ByteBuffer) {
        if holding {
            held.append((link, buffer))
        } else {
            link.client.writeAndFlush(buffer, promise: nil)
        }
    }

    fileprivate func clientClosed(_ client: any Channel) {
        guard let link = links.removeValue(forKey: ObjectIdentifier(client)) else { return }
        client.close(promise: nil)
        link.server?.close(promise: nil)
    }

    private final class ClientSide: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let proxy: TestProxy
        init(proxy: TestProxy) { self.proxy = proxy }
        func channelActive(context: ChannelHandlerContext) { proxy.accepted(context.channel) }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            proxy.fromClient(context.channel, unwrapInboundIn(data))
        }
        func channelInactive(context: ChannelHandlerContext) { proxy.clientClosed(context.channel) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    private final class ServerSide: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let proxy: TestProxy
        let link: Link
        init(proxy: TestProxy, link: Link) { self.proxy = proxy; self.link = link }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { proxy.fromServer(link, unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { proxy.clientClosed(link.client) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
