import JSON
/// The parsed and validated header of one safetensors file (see reference/formats.md §6 for every rule).
struct SafeTensorsHeader {
    /// The reference implementation's limit on the header length (100 MB), against denial of service.
    static let maxHeaderLength = 100_000_000

    var headerLength: Int
    var metadata: [String: String]
    /// Tensors sorted by their position in the data buffer.
    var tensors: [TensorInfo]

    /// Validates `file` (the whole mapped file) and returns its header. `name` is used in error messages.
    static func parse(_ file: UnsafeRawBufferPointer, name: String) throws(SafeTensorsError) -> SafeTensorsHeader {
        guard file.count >= 8 else { throw .headerTooSmall(file: name, fileSize: file.count) }
        let n = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(maxHeaderLength) else {
            throw .headerTooLarge(file: name, headerLength: n, limit: maxHeaderLength)
        }
        let headerLength = Int(n)
        guard 8 + headerLength <= file.count else {
            throw .invalidHeaderLength(file: name, headerLength: n, fileSize: file.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        guard let first = headerBytes.first, first == UInt8(ascii: "{") else {
            throw .headerNotObject(file: name, firstByte: headerBytes.first ?? 0)
        }
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw .headerNotUTF8(file: name) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes)
        } catch {
            if let key = error.duplicateKey { throw .duplicateTensor(file: name, tensor: key) }
            throw .invalidHeaderJSON(file: name, reason: error.description)
        }
        guard let object = json.objectValue else { throw .invalidHeaderJSON(file: name, reason: "not an object") }

        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        for member in object.members {
            if member.key == "__metadata__" {
                metadata = try parseMetadata(member.value, file: name)
            } else {
                tensors.append(try parseTensor(member.key, member.value, file: name))
            }
        }
        let bufferSize = file.count - 8 - headerLength
        tensors.sort { ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound) }
        try checkCoverage(tensors, bufferSize: bufferSize, file: name)
        return SafeTensorsHeader(headerLength: headerLength, metadata: metadata, tensors: tensors)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws(SafeTensorsError) -> [String: String] {
        guard let o = value.objectValue else {
            throw .invalidMetadata(file: file, reason: "expected an object of strings, found \(value.kindName)")
        }
        var result: [String: String] = [:]
        for m in o.members {
            guard let s = m.value.stringValue else {
                throw .invalidMetadata(file: file, reason: "value of '\(m.key)' must be a string, found \(m.value.kindName)")
            }
            result[m.key] = s
        }
        return result
    }

    /// One `"name": {"dtype": …, "shape": […], "data_offsets": [begin, end]}` entry, with its size checked.
    private static func parseTensor(_ name: String, _ value: JSONValue, file: String) throws(SafeTensorsError) -> TensorInfo {
        guard let o = value.objectValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "expected an object, found \(value.kindName)")
        }
        guard let dtypeValue = o["dtype"] else { throw .invalidTensorEntry(file: file, tensor: name, reason: "missing 'dtype'") }
        guard let dtypeName = dtypeValue.stringValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "'dtype' must be a string, found \(dtypeValue.kindName)")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(file: file, tensor: name, dtype: dtypeName) }
        guard let shapeItems = o["shape"]?.arrayValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-array 'shape'")
        }
        var shape: [Int] = []
        for item in shapeItems {
            // The schema bounds each dimension by 2⁴⁸−1.
            guard let d = item.uint64Value, d < (1 << 48) else {
                throw .invalidTensorEntry(file: file, tensor: name,
                                          reason: "shape entries must be non-negative integers below 2^48, found \(item.serialized())")
            }
            shape.append(Int(d))
        }
        guard let offsets = o["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].uint64Value, let end = offsets[1].uint64Value else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "'data_offsets' must be [begin, end] of non-negative integers")
        }
        guard begin <= end, end <= UInt64(Int.max) else {
            throw .invalidOffsets(file: file, tensor: name, begin: begin, end: end)
        }
        let shapeText = "[\(shape.map(String.init).joined(separator: ", "))]"
        var elements = 1
        for d in shape {
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            if overflow { throw .sizeOverflow(file: file, tensor: name, shape: shapeText) }
            elements = p
        }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitSize)
        if overflow { throw .sizeOverflow(file: file, tensor: name, shape: shapeText) }
        guard bits % 8 == 0 else { throw .misalignedSlice(file: file, tensor: name, dtype: dtype, elements: elements) }
        let range = Int(begin)..<Int(end)
        guard bits / 8 == range.count else {
            throw .shapeSizeMismatch(file: file, tensor: name, shape: "\(dtype.rawValue)\(shapeText)",
                                     expectedBytes: bits / 8, actualBytes: range.count)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataRange: range)
    }

    /// The data buffer must be indexed entirely, without holes or overlaps (no polyglot files).
    /// `tensors` is sorted by (begin, end).
    private static func checkCoverage(_ tensors: [TensorInfo], bufferSize: Int, file: String) throws(SafeTensorsError) {
        var expected = 0
        var previous = ""
        for t in tensors {
            let r = t.dataRange
            if r.lowerBound < expected {
                throw .overlappingTensors(file: file, tensor: t.name, previous: previous, begin: r.lowerBound, previousEnd: expected)
            }
            if r.lowerBound > expected {
                throw .gapBeforeTensor(file: file, tensor: t.name, gapStart: expected, gapEnd: r.lowerBound)
            }
            if r.upperBound > bufferSize {
                throw .tensorOutOfBounds(file: file, tensor: t.name, end: r.upperBound, bufferSize: bufferSize)
            }
            expected = r.upperBound
            previous = t.name
        }
        if expected != bufferSize { throw .bufferNotFullyCovered(file: file, coveredBytes: expected, bufferSize: bufferSize) }
    }
}
