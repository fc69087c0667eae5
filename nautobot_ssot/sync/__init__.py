"""What one sync run does: phases, measurements, log capture and diff persistence."""
