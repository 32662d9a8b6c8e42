/// Float32 scratch memory reused across layers and calls; grows on demand, never shrinks until released.
/// Contents are not preserved when it grows.
public final class FloatBuffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init() {
        pointer = .allocate(capacity: 1)
        capacity = 0
    }

    /// A pointer to at least `count` Floats.
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: max(count, 1))
            capacity = count
        }
        return pointer
    }

    /// Frees the memory (the buffer stays usable and grows again on the next `reserve`).
    public func release() {
        pointer.deallocate()
        pointer = .allocate(capacity: 1)
        capacity = 0
    }

    deinit { pointer.deallocate() }
}
