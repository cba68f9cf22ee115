module.exports = {
  content: ['content/**/*.md', 'layouts/**/*.html', '../../content/**/*.md'],
  theme: {
    extend: {},
  },
  plugins: [],
}
