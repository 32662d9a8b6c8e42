/// Which token positions the angular distance is averaged over.
public enum DistanceTokens: String, Sendable, Codable, CaseIterable {
    /// Only each sample's last token (the reference's choice, `get_last_non_padded_tokens`).
    case last
    /// Every token position of every sample, each weighted equally.
    case all
}
