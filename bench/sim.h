/* bench/sim: what its experiments share (sim.c, sim_members.c,
 * sim_waves.c). */
#ifndef SIM_H
#define SIM_H

#include <stdint.h>

#define GOSSIP_MS	5000	/* the daemon's default gossip interval */

/* One event of sim.c's queue: at t (us), for host to.  Types below
 * SIM_EV_OWN are sim.c's; an experiment that runs its own loop over
 * the queue (sim_next) numbers its own from there. */
struct ev {
	int64_t		t;
	uint32_t	to, from;
	uint64_t	a;		/* head seq, or claim clock */
	uint8_t		type;
};
#define SIM_EV_OWN	64

/* The simulation's seeded generator: uniform below upper. */
uint32_t	sim_rand(uint32_t upper);
/* A datagram's one-way latency (us), as sim.c's network has it. */
int64_t		sim_oneway(void);
/* The event queue: add one; take the earliest if it is due by until
 * (1), else 0. */
void		sim_push(int64_t t, uint8_t type, uint32_t to, uint32_t from,
		    uint64_t a);
int		sim_next(int64_t until, struct ev *);
/* sim members HOSTS LOSS NETS: one line of JSON; 0 if all converged. */
int		sim_members(uint32_t hosts, double loss, uint32_t nets);
/* sim waves HOSTS TRIGGER MIN [good|bad|one [LOSS]] (sim_waves.c), its
 * arguments from HOSTS on: one line of JSON; 0, or 1 if a host past the
 * canaries applied a bad transaction, 2 on bad arguments. */
int		sim_waves(int argc, char **argv);

#endif
