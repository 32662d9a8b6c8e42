import Foundation

/// Human byte sizes as Hugging Face spells them: `5GB` = 5·10⁹, `500MB`, `2GiB` = 2·2³⁰, `1000` bytes.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
                                         ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
                                         ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1)]
        let upper = s.uppercased()
        for (suffix, factor) in units where upper.hasSuffix(suffix) {
            guard let v = Double(upper.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0,
                  v * factor < 9e18 else { return nil }
            return Int((v * factor).rounded())
        }
        return Int(s)
    }
}
