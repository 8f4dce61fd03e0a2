import TrialContract

/// Facts about config fields the spec reader needs, all read off the field
/// table (`FieldSpec`) rather than restated.
enum FieldFacts {
    /// The default config as a JSON object (every field, required ones included).
    static let defaults: [String: JSONValue] = TrialConfig().jsonObject

    /// Fields holding integers (a fractional value is refused).
    static let integerFields: Set<TrialConfig.Field> = Set(TrialConfig.Field.allCases.filter { $0.spec.isInteger })

    /// Fields whose values are lists (`named_steps`).
    static let listFields: Set<TrialConfig.Field> = Set(TrialConfig.Field.allCases.filter { $0.spec.isList })

    /// Decodes a config from a JSON object; the message names the field.
    static func decode(_ members: [String: JSONValue]) throws(ConfigError) -> TrialConfig {
        try TrialConfig(json: members)
    }

    /// A field's value in a config, as JSON (nil when absent).
    static func valueOf(_ field: TrialConfig.Field, in config: TrialConfig) -> JSONValue? { config.json(field) }
}
