// Names of the values main saves for the post step.
export const STATE = {
  isPost: 'isPost',
  target: 'composeTarget',
  compose: 'composeCommand',
  teardown: 'teardown',
  result: 'result'
} as const
