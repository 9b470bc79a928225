"""What is published: the figures of a quarter or a year (`figures`), the figure store that
keeps them between runs, their series over time, provisional/final/revised figures
(`revisions`) and the benchmark pack (`pack`)."""
