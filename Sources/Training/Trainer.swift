/// Entry points of the training core. Placeholder until the core lands.
public enum Trainer {
    /// Trains one config.
    public static func train(_ config: TrialConfig) -> TrainingResult {
        trainShard([config], threads: 1)[0]
    }

    /// Trains configs that share shapes together; results in input order.
    /// A trial's result never depends on which shard or thread ran it.
    public static func trainShard(_ configs: [TrialConfig], threads: Int = 1) -> [TrainingResult] {
        configs.map { config in
            do {
                try config.validate()
            } catch {
                return TrainingResult(status: .failed, message: "\(error)")
            }
            return TrainingResult(status: .failed, message: "training core not built yet")
        }
    }
}
