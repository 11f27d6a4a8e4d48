return TransferKit.Cli.CliApp.Run(args);
