/* bench/sim: what its experiments share (sim.c, sim_members.c). */
#ifndef SIM_H
#define SIM_H

#include <stdint.h>

/* The simulation's seeded generator: uniform below upper. */
uint32_t	sim_rand(uint32_t upper);
/* sim members HOSTS LOSS NETS: one line of JSON; 0 if all converged. */
int		sim_members(uint32_t hosts, double loss, uint32_t nets);

#endif
