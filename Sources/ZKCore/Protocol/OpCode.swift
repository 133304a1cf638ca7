/// A request type (`ZooDefs.OpCode`), open so unknown values can be answered with Unimplemented.
public struct OpCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let notification = OpCode(0)
    public static let create = OpCode(1)
    public static let delete = OpCode(2)
    public static let exists = OpCode(3)
    public static let getData = OpCode(4)
    public static let setData = OpCode(5)
    public static let getACL = OpCode(6)
    public static let setACL = OpCode(7)
    public static let getChildren = OpCode(8)
    public static let sync = OpCode(9)
    public static let ping = OpCode(11)
    public static let getChildren2 = OpCode(12)
    public static let check = OpCode(13)
    public static let multi = OpCode(14)
    public static let create2 = OpCode(15)
    public static let reconfig = OpCode(16)
    public static let checkWatches = OpCode(17)
    public static let removeWatches = OpCode(18)
    public static let createContainer = OpCode(19)
    public static let deleteContainer = OpCode(20)
    public static let createTTL = OpCode(21)
    public static let multiRead = OpCode(22)
    public static let auth = OpCode(100)
    public static let setWatches = OpCode(101)
    public static let sasl = OpCode(102)
    public static let getEphemerals = OpCode(103)
    public static let getAllChildrenNumber = OpCode(104)
    public static let setWatches2 = OpCode(105)
    public static let addWatch = OpCode(106)
    public static let whoAmI = OpCode(107)
    public static let createSession = OpCode(-10)
    public static let closeSession = OpCode(-11)
    public static let error = OpCode(-1)

    /// The short name `cons` prints as `lop` (ZooKeeper's `Request.op2String` abbreviations).
    public var shortName: String {
        switch rawValue {
        case 11: return "PING"
        case -10: return "SESS"
        case 14: return "MULT"
        case 22: return "MLTR"
        case 1, 15, 19, 21: return "CREA"
        case 2, 20: return "DELE"
        case 5: return "SETD"
        case 16: return "RECO"
        case 7: return "SETA"
        case -11: return "CLOS"
        case 9: return "SYNC"
        case 13: return "CHEC"
        case 3: return "EXIS"
        case 4: return "GETD"
        case 101: return "SETW"
        case 105: return "STW2"
        case 106: return "ADDW"
        case 6: return "GETA"
        case 8, 12: return "GETC"
        case 104: return "GETACN"
        case 17: return "CHKW"
        case 18: return "REMW"
        case 107: return "HOMI"
        case 103: return "GETE"
        default: return "UNKNOWN"
        }
    }

    /// True for the requests that become transactions (consume a zxid).
    public var isWrite: Bool {
        switch rawValue {
        case 1, 2, 5, 7, 13, 14, 15, 16, 19, 20, 21, -10, -11: return true
        default: return false
        }
    }

    /// ZooKeeper's `Request.op2String` name, used by the log tools.
    public var name: String {
        switch rawValue {
        case 0: return "notification"
        case 1: return "create"
        case 2: return "delete"
        case 3: return "exists"
        case 4: return "getData"
        case 5: return "setData"
        case 6: return "getACL"
        case 7: return "setACL"
        case 8: return "getChildren"
        case 9: return "sync"
        case 11: return "ping"
        case 12: return "getChildren2"
        case 13: return "check"
        case 14: return "multi"
        case 15: return "create2"
        case 16: return "reconfig"
        case 17: return "checkWatches"
        case 18: return "removeWatches"
        case 19: return "createContainer"
        case 20: return "deleteContainer"
        case 21: return "createTtl"
        case 22: return "multiRead"
        case 100: return "auth"
        case 101: return "setWatches"
        case 102: return "sasl"
        case 103: return "getEphemerals"
        case 104: return "getAllChildrenNumber"
        case 105: return "setWatches2"
        case 106: return "addWatch"
        case 107: return "whoAmI"
        case -10: return "createSession"
        case -11: return "closeSession"
        case -1: return "error"
        default: return "unknown \(rawValue)"
        }
    }

    public var description: String { name }
}
