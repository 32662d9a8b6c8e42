import Dispatch
import Foundation
import SafeTensors

/// On SIGINT or SIGTERM: remove the temporary directories of writes in progress, then exit with 128 + signal,
/// so an interrupted run leaves no partial output behind.
///
/// On SIGBUS, which is what reading a memory-mapped input delivers once another process has truncated the file
/// under it: a specific error and exit status 1 instead of a crash by signal, the temporaries removed when their
/// registry is free (otherwise the next write removes them, as after a SIGKILL).
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
        signal(SIGBUS) { _ in
            let message = "\nError: an input file shrank while it was being read (truncated or rewritten by another process?); no output was written\n"
            message.withCString { _ = write(2, $0, strlen($0)) }
            TemporaryOutputs.removeAllIfFree()
            _exit(1)
        }
    }
}
