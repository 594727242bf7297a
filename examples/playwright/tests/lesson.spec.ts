/** Two people meet in a class; the lesson is recorded and lands in the report. */
import { test, expect } from 'classroom-recorder/playwright';

test('a teacher and a pupil meet, and five seconds of the lesson are recorded', async ({
  classroom,
}) => {
  const teacher = await classroom.createUser('instructor', 'Tina Teacher');
  const pupil = await classroom.createUser('student', 'Paul Pupil');
  const roomId = await classroom.createRoom(teacher, [pupil]);

  const teacherView = await classroom.openParticipant(teacher);
  const pupilView = await classroom.openParticipant(pupil);
  await teacherView.join(roomId);
  await pupilView.join(roomId);
  await pupilView.expectSeeing(teacher);
  await teacherView.expectSeeing(pupil);

  const recording = await classroom.record(roomId, teacher);
  await recording.waitForSeconds(5);
  const done = await recording.stop();
  expect(done.status).toBe('ready');
  expect(done.durationMs).toBeGreaterThan(4_000);
  expect(done.participants.map((p) => p.fullName).sort()).toEqual(['Paul Pupil', 'Tina Teacher']);
  // The fixture attaches recording-1.mp4 (video/mp4) and recording-1.json to this test's report.
});

test('a test that fails keeps its recording, stopped and attached', async ({ classroom }) => {
  // Shows the fixture's clean-up: this test fails on purpose after starting a recording.
  test.fail();
  const teacher = await classroom.createUser('instructor', 'Tina Teacher');
  const roomId = await classroom.createRoom(teacher);
  const teacherView = await classroom.openParticipant(teacher);
  await teacherView.join(roomId);
  const recording = await classroom.record(roomId, teacher, 'kept because the test failed');
  await recording.waitForSeconds(2);
  expect('the lesson', 'a deliberate failure').toBe('a different lesson');
});
