"""Entity resolution: source records of every source -> one lead per provider at one site."""
