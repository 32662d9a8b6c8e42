import XCTest
@testable import Llama

final class WeightNameTests: XCTestCase {
    func testSpellings() {
        XCTAssertEqual(WeightName.layer(12, .downProj), "model.layers.12.mlp.down_proj.weight")
        XCTAssertEqual(WeightName.layer(0, .qProjBias), "model.layers.0.self_attn.q_proj.bias")
        XCTAssertEqual(WeightName.layer(3, .rotaryInvFreq), "model.layers.3.self_attn.rotary_emb.inv_freq")
        XCTAssertEqual(WeightName.embedTokens, "model.embed_tokens.weight")
        XCTAssertEqual(WeightName.lmHead, "lm_head.weight")
    }

    func testParsingAndRenumbering() {
        XCTAssertEqual(WeightName.parseLayer("model.layers.7.input_layernorm.weight")?.index, 7)
        XCTAssertEqual(WeightName.parsePart("model.layers.7.input_layernorm.weight")?.part, .inputNorm)
        for bad in ["model.layers.x.mlp.up_proj.weight", "model.layers.07.mlp.up_proj.weight", "model.layers.-1.a",
                    "model.norm.weight", "model.layers.3"] {
            XCTAssertNil(WeightName.parseLayer(bad), bad)
        }
        XCTAssertEqual(WeightName.renumbered("model.layers.17.mlp.up_proj.weight", to: 5), "model.layers.5.mlp.up_proj.weight")
        XCTAssertEqual(WeightName.renumbered("model.norm.weight", to: 5), "model.norm.weight")
    }

    func testStateDictOrderIsNumeric() {
        let names = ["lm_head.weight", "model.layers.10.mlp.up_proj.weight", "model.norm.weight",
                     "model.layers.2.input_layernorm.weight", "model.layers.2.self_attn.q_proj.weight",
                     "model.embed_tokens.weight", "other"]
        XCTAssertEqual(WeightName.stateDictOrder(names), [
            "model.embed_tokens.weight", "model.layers.2.self_attn.q_proj.weight", "model.layers.2.input_layernorm.weight",
            "model.layers.10.mlp.up_proj.weight", "model.norm.weight", "lm_head.weight", "other"])
    }
}
