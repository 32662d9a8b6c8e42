import CLI

CommandLineTool.runAndExit(CommandLine.arguments)
