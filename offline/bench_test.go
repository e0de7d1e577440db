package offline

func cleanupFixtures() {}
