import FuzzSupport
import JSON

/// The JSON parser: any bytes give a value or a JSONError; a value serializes and parses back to itself.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    guard let value = try? JSONParser.parse(FuzzInput.bytes(data, size)) else { return 0 }
    let again = try! JSONParser.parse(Array(value.serialized().utf8))
    precondition(again == value, "serialize/parse round trip changed the value")
    return 0
}
