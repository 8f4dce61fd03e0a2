import TrialContract

/// Initial-weight variances of docs/science.md §1 by preset, each overridable by
/// the config's `init_input_var` / `init_hidden_var` / `init_output_var`.
/// Fixed ±1 output entries are ±√(output variance), so `zou` (variance 1)
/// gives [ZCZG18]'s bare ±1 and `he`/`lecun` give ±1/√m.
struct InitVariances: Equatable {
    /// Trainable first layer W₁ (m × d′) or fixed embedding A (m × d′).
    var input: Double
    /// Hidden m × m layers.
    var hidden: Double
    /// Output layer (k × m); for fixed_gaussian the default is 1/k ([GLL24]'s B).
    var output: Double

    init(_ c: TrialConfig, inputDim d: Int) {
        let m = Double(c.width), fanIn = Double(d)
        let preset: (input: Double, hidden: Double, output: Double)
        switch c.initPreset {
        case .he: preset = (2 / fanIn, 2 / m, 1 / m)
        case .lecun: preset = (1 / fanIn, 1 / m, 1 / m)
        case .zou: preset = (2 / m, 2 / m, 1)            // fan-out = m for every hidden layer
        case .azl: preset = (1 / m, 1 / m, 1)
        case .chatterji: preset = (1 / fanIn, 1 / m, 1)
        }
        input = c.initInputVar ?? (c.inputLayer == .fixed ? 1 / m : preset.input)
        hidden = c.initHiddenVar ?? preset.hidden
        output = c.initOutputVar ?? (c.outputLayer == .fixedGaussian ? 1 / Double(c.outputs) : preset.output)
    }
}
