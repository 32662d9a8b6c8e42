import FuzzSupport
import SafeTensors

/// The safetensors file reader (header and layout validation), then every float tensor converted.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    let url = FuzzInput.file(data, size, suffix: ".safetensors")
    guard let file = try? SafeTensorsFile(url: url) else { return 0 }
    for t in file.tensors where t.dtype.isConvertibleToFloat { _ = try? file.floats(t.name) }
    return 0
}
