/// Every subcommand, in the order `facecli --help` lists them. A new command is one new file in
/// `Commands/` plus one line here.
public let allCommands: [any Command.Type] = [
    TrainCommand.self,
    PredictCommand.self,
    DetectCommand.self,
    EvalCommand.self,
    BenchCommand.self,
    WatchCommand.self,
    EnrollCommand.self,
]
