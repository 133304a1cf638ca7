/// A ZooKeeper result code (`KeeperException.Code`), open so unknown codes round-trip unchanged.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Error, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = ErrorCode(0)
    public static let systemError = ErrorCode(-1)
    public static let runtimeInconsistency = ErrorCode(-2)
    public static let dataInconsistency = ErrorCode(-3)
    public static let connectionLoss = ErrorCode(-4)
    public static let marshallingError = ErrorCode(-5)
    public static let unimplemented = ErrorCode(-6)
    public static let operationTimeout = ErrorCode(-7)
    public static let badArguments = ErrorCode(-8)
    public static let unknownSession = ErrorCode(-12)
    public static let newConfigNoQuorum = ErrorCode(-13)
    public static let reconfigInProgress = ErrorCode(-14)
    public static let apiError = ErrorCode(-100)
    public static let noNode = ErrorCode(-101)
    public static let noAuth = ErrorCode(-102)
    public static let badVersion = ErrorCode(-103)
    public static let noChildrenForEphemerals = ErrorCode(-108)
    public static let nodeExists = ErrorCode(-110)
    public static let notEmpty = ErrorCode(-111)
    public static let sessionExpired = ErrorCode(-112)
    public static let invalidCallback = ErrorCode(-113)
    public static let invalidACL = ErrorCode(-114)
    public static let authFailed = ErrorCode(-115)
    public static let sessionMoved = ErrorCode(-118)
    public static let notReadOnly = ErrorCode(-119)
    public static let ephemeralOnLocalSession = ErrorCode(-120)
    public static let noWatcher = ErrorCode(-121)
    public static let requestTimeout = ErrorCode(-122)
    public static let reconfigDisabled = ErrorCode(-123)
    public static let sessionClosedRequireSaslAuth = ErrorCode(-124)
    public static let quotaExceeded = ErrorCode(-125)
    public static let throttledOp = ErrorCode(-127)

    /// The message ZooKeeper's `KeeperException` uses (`KeeperErrorCode = <text>`).
    public var text: String {
        switch rawValue {
        case 0: return "ok"
        case -1: return "SystemError"
        case -2: return "RuntimeInconsistency"
        case -3: return "DataInconsistency"
        case -4: return "ConnectionLoss"
        case -5: return "MarshallingError"
        case -6: return "Unimplemented"
        case -7: return "OperationTimeout"
        case -8: return "BadArguments"
        case -13: return "NewConfigNoQuorum"
        case -14: return "ReconfigInProgress"
        case -100: return "APIError"
        case -101: return "NoNode"
        case -102: return "NoAuth"
        case -103: return "BadVersion"
        case -108: return "NoChildrenForEphemerals"
        case -110: return "NodeExists"
        case -111: return "Directory not empty"
        case -112: return "Session expired"
        case -113: return "Invalid callback"
        case -114: return "InvalidACL"
        case -115: return "AuthFailed"
        case -118: return "Session moved"
        case -119: return "Not a read-only call"
        case -120: return "Ephemeral node on local session"
        case -121: return "No such watcher"
        case -123: return "Reconfig is disabled"
        case -124: return "Session closed because client failed to authenticate"
        case -125: return "Quota has exceeded"
        case -127: return "Op throttled due to high load"
        case -12: return "Unknown error UNKNOWNSESSION"
        case -122: return "Unknown error REQUESTTIMEOUT"
        default: return "Unknown error \(rawValue)"
        }
    }

    public var description: String { "\(text) (\(rawValue))" }
}
