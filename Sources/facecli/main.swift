import Foundation

// The only place that exits: every command returns its status through `Dispatch`.
let status = Dispatch.run(Array(CommandLine.arguments.dropFirst()), commands: allCommands)
exit(status.rawValue)
