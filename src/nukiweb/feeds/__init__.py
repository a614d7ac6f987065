"""Booking feeds at the edge of the world: fetching a rental platform's iCal feed over HTTP(S)
(``fetching``); reading it is ``domain.bookings``."""
