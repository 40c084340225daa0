/**
 * Streaming ingest: Kafka records → validated events → event-time bins → {@link org.mfgcal.ingest.PopulationSnapshot}s.
 *
 * <h2>Public API</h2>
 * <ul>
 *   <li>Flights file → ordered trip events: {@link org.mfgcal.ingest.flights.FlightsCsv#readTrips} (or
 *       {@code readShipped(FlightsData.WEEK | FULL)} for the shipped data).</li>
 *   <li>Events + region config → snapshots, offline: {@link org.mfgcal.ingest.Binning#snapshots} /
 *       {@link org.mfgcal.ingest.Binning#run}; the same code as the stream.</li>
 *   <li>Region config: {@link org.mfgcal.ingest.RegionConfigs#loadSpec} ({@code classpath:data/flights/region-flights.yaml}).</li>
 *   <li>Kafka → snapshots: {@link org.mfgcal.ingest.IngestPipeline#snapshots()} emitting
 *       {@link org.mfgcal.ingest.SnapshotDelivery} (ack / offsetsToCommit for transactions).</li>
 *   <li>Without Kafka, as a Flux: {@link org.mfgcal.ingest.StreamBinning#snapshots}.</li>
 *   <li>Generic bridge: {@link org.mfgcal.ingest.kafka.KafkaReceiver}, {@link org.mfgcal.ingest.kafka.KafkaSender}.</li>
 *   <li>Replay: {@link org.mfgcal.ingest.replay.Replay}.</li>
 * </ul>
 * Dead letters: {@link org.mfgcal.ingest.DeadLetters} (topic {@code mfg.deadletter}, original bytes, reason in headers).
 * Record schemas: {@code schemas/*.schema.json} on the class path.
 */
package org.mfgcal.ingest;
