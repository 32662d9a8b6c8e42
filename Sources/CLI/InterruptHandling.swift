import Dispatch
import Foundation
import SafeTensors

/// On SIGINT or SIGTERM: remove the temporary directories of writes in progress, then exit with 128 + signal,
/// so an interrupted run leaves no partial output behind.
enum InterruptHandling {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                TemporaryOutputs.removeAll()
                FileHandle.standardError.write(Data("\ninterrupted\n".utf8))
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
