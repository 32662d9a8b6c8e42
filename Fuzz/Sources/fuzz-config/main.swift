import FuzzSupport
import Llama

/// config.json → LlamaConfig → LlamaGeometry (what every command derives its shapes from).
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    guard let config = try? LlamaConfig(jsonBytes: FuzzInput.bytes(data, size), source: "fuzz/config.json") else { return 0 }
    _ = try? LlamaGeometry(config: config)
    _ = try? config.rewrittenJSON(torchDtype: "bfloat16")
    return 0
}
